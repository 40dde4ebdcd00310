package otlp

import (
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

func event(t *testing.T, vm, line string) *decode.Event {
	t.Helper()
	m, err := decode.ScanMessage([]byte(line))
	if err != nil || m.Kind != decode.MsgEvent {
		t.Fatalf("bad test event %s: %v", line, err)
	}
	return decode.NewEvent(&m, vm)
}

func attrsOf(r log.Record) map[string]attribute.Value {
	m := map[string]attribute.Value{}
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		m[string(kv.Key)] = kv.Value
		return true
	})
	return m
}

// Each member of data is an attribute, nested objects flattened with dots;
// numbers stay exact, an integer beyond int64 as its text.
func TestRecordData(t *testing.T) {
	cases := []struct {
		name, data string
		want       map[string]attribute.Value
	}{
		{"string and bool", `{"device": "ide0-hd1", "fatal": true}`, map[string]attribute.Value{
			"qemu.event.data.device": attribute.StringValue("ide0-hd1"), "qemu.event.data.fatal": attribute.BoolValue(true)}},
		{"int64 limits", `{"a": 9223372036854775807, "b": -9223372036854775808}`, map[string]attribute.Value{
			"qemu.event.data.a": attribute.Int64Value(9223372036854775807), "qemu.event.data.b": attribute.Int64Value(-9223372036854775808)}},
		{"beyond int64", `{"size": 18446744073709551615}`, map[string]attribute.Value{
			"qemu.event.data.size": attribute.StringValue("18446744073709551615")}},
		{"float", `{"gap": 2.5}`, map[string]attribute.Value{"qemu.event.data.gap": attribute.Float64Value(2.5)}},
		{"nested", `{"info": {"slot": "1", "source": 3}}`, map[string]attribute.Value{
			"qemu.event.data.info.slot": attribute.StringValue("1"), "qemu.event.data.info.source": attribute.Int64Value(3)}},
		{"array", `{"list": [1, "x"]}`, map[string]attribute.Value{
			"qemu.event.data.list": attribute.SliceValue(attribute.Int64Value(1), attribute.StringValue("x"))}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := event(t, "vm1", `{"event": "X", "data": `+c.data+`, "timestamp": {"seconds": 1, "microseconds": 2}}`)
			got := attrsOf(Record(decode.Builtin(), ev, "", time.Unix(5, 0)))
			for k, want := range c.want {
				if g, ok := got[k]; !ok || g.Emit() != want.Emit() || g.Type() != want.Type() {
					t.Errorf("%s = %v (%v), want %v (%v)", k, g.Emit(), g.Type(), want.Emit(), want.Type())
				}
			}
		})
	}
}

// The record's fixed parts: QEMU's time to the microsecond, the time it was
// read, the event name both ways, the VM, the version, the address, the
// cause, and the pretty sentence as the body.
func TestRecordFields(t *testing.T) {
	ev := event(t, "vm1", `{"event": "STOP", "timestamp": {"seconds": 1700000000, "microseconds": 123456}}`)
	ev.QEMU = decode.Version{Major: 7, Minor: 2}
	ev.Cause = "write error on ide0-hd1"
	obs := time.Unix(1700000001, 0)
	r := Record(decode.Builtin(), ev, "/run/vm1.qmp", obs)
	if got := r.Timestamp(); !got.Equal(time.Unix(1700000000, 123456000)) {
		t.Errorf("timestamp %v", got)
	}
	if !r.ObservedTimestamp().Equal(obs) {
		t.Errorf("observed %v", r.ObservedTimestamp())
	}
	if r.EventName() != "STOP" || r.Body().AsString() == "" {
		t.Errorf("event name %q, body %q", r.EventName(), r.Body().AsString())
	}
	a := attrsOf(r)
	for k, want := range map[string]string{AttrEventName: "STOP", AttrVM: "vm1", AttrQEMU: "7.2.0", AttrAddress: "/run/vm1.qmp", AttrCause: "write error on ide0-hd1"} {
		if got := a[k].AsString(); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	// QEMU without a clock reading: no timestamp, the observed one stays.
	ev = event(t, "vm1", `{"event": "STOP", "timestamp": {"seconds": -1, "microseconds": -1}}`)
	if r := Record(decode.Builtin(), ev, "", obs); !r.Timestamp().IsZero() {
		t.Errorf("timestamp %v for an event without one", r.Timestamp())
	}
}

// The severity table: per event, per data member, and per cause (a STOP
// that a disk error provoked is a warning, a plain one is info).
func TestSeverity(t *testing.T) {
	cases := []struct {
		name   string
		events []string // the last one is judged; the ones before give it a cause
		want   log.Severity
		text   string
	}{
		{"panic", []string{`{"event": "GUEST_PANICKED", "data": {"action": "pause"}}`}, log.SeverityError, "ERROR"},
		{"io error stop", []string{`{"event": "BLOCK_IO_ERROR", "data": {"device": "d", "operation": "write", "action": "stop"}}`}, log.SeverityError, "ERROR"},
		{"io error report", []string{`{"event": "BLOCK_IO_ERROR", "data": {"device": "d", "operation": "write", "action": "report"}}`}, log.SeverityWarn, "WARN"},
		{"corrupt image", []string{`{"event": "BLOCK_IMAGE_CORRUPTED", "data": {"device": "d", "msg": "m", "fatal": true}}`}, log.SeverityError, "ERROR"},
		{"watchdog", []string{`{"event": "WATCHDOG", "data": {"action": "reset"}}`}, log.SeverityError, "ERROR"},
		{"stop after io error", []string{`{"event": "BLOCK_IO_ERROR", "data": {"device": "d", "operation": "write", "action": "stop"}}`, `{"event": "STOP"}`}, log.SeverityWarn, "WARN"},
		{"plain stop", []string{`{"event": "STOP"}`}, log.SeverityInfo, "INFO"},
		{"resume", []string{`{"event": "RESUME"}`}, log.SeverityInfo, "INFO"},
		{"migration failed", []string{`{"event": "MIGRATION", "data": {"status": "failed"}}`}, log.SeverityError, "ERROR"},
		{"rtc", []string{`{"event": "RTC_CHANGE", "data": {"offset": 1, "qom-path": "/m"}}`}, log.SeverityDebug, "DEBUG"},
		{"unknown event", []string{`{"event": "NOT_IN_THE_CATALOG"}`}, log.SeverityInfo, "INFO"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			causes := track.NewCauses(decode.Builtin())
			var ev *decode.Event
			for i, line := range c.events {
				ev = event(t, "vm1", line[:len(line)-1]+fmt.Sprintf(`, "timestamp": {"seconds": 100, "microseconds": %d}}`, i))
				causes.Observe(ev)
			}
			if sev, text := Severity(decode.Builtin(), ev); sev != c.want || text != c.text {
				t.Errorf("severity %v %q, want %v %q", sev, text, c.want, c.text)
			}
		})
	}
}
