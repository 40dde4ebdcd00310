package render

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// sampler builds a sample event's data from its catalog spec: strings are
// unique per path, ints distinct, the first enum value, a union's variant
// chosen by variant. Leaves records every required leaf it made.
type sampler struct {
	variant  int
	optional bool                    // include optional members too
	override map[string]decode.Value // path → value, for a second sample
	leaves   []leaf
	n        int
}

type leaf struct {
	path string
	typ  *decode.Type
	val  decode.Value
}

func (s *sampler) fields(prefix string, fs []*decode.Field, required bool) decode.Value {
	obj := decode.Value{Kind: decode.Object}
	for _, f := range fs {
		if f.Optional && !s.optional {
			continue
		}
		p := strings.TrimPrefix(prefix+"."+f.Name, ".")
		obj.Members = append(obj.Members, decode.Member{Key: f.Name, Value: s.value(p, f.Type, required && !f.Optional)})
	}
	return obj
}

func (s *sampler) value(path string, t *decode.Type, required bool) decode.Value {
	if t != nil && t.Kind == decode.KindObject {
		obj := s.fields(path, t.Members, required)
		if t.Tag != "" {
			tag, _ := obj.Get(t.Tag)
			if vs, ok := t.Variants[tag.Text]; ok {
				obj.Members = append(obj.Members, s.fields(path, vs, required).Members...)
			}
		}
		return obj
	}
	if t != nil && t.Kind == decode.KindArray {
		return decode.Value{Kind: decode.Array, Items: []decode.Value{s.value(path+"[]", t.Elem, false)}}
	}
	if t != nil && t.Kind == decode.KindAlternate {
		return s.value(path, t.Alts[0], required)
	}
	s.n++
	v, ok := s.override[path]
	if !ok {
		v = sample(path, t, s.n, s.variant)
	}
	if required {
		s.leaves = append(s.leaves, leaf{path, t, v})
	}
	return v
}

// sample is a leaf's first value; a union's tag takes its variant-th value.
func sample(path string, t *decode.Type, n, variant int) decode.Value {
	kind := decode.KindStr
	if t != nil {
		kind = t.Kind
	}
	switch kind {
	case decode.KindInt:
		return decode.Value{Kind: decode.Number, Text: strconv.Itoa(1 + n*4099)}
	case decode.KindNumber:
		return decode.Value{Kind: decode.Number, Text: fmt.Sprintf("%d.25", n)}
	case decode.KindBool:
		return decode.Value{Kind: decode.Bool, True: true}
	case decode.KindEnum:
		return decode.Value{Kind: decode.String, Text: t.Values[variant%len(t.Values)]}
	}
	return decode.Value{Kind: decode.String, Text: "s-" + path}
}

// others are the values a leaf can take instead of v.
func others(t *decode.Type, v decode.Value) []decode.Value {
	kind := decode.KindStr
	if t != nil {
		kind = t.Kind
	}
	switch kind {
	case decode.KindInt, decode.KindNumber:
		return []decode.Value{{Kind: decode.Number, Text: "7"}, {Kind: decode.Number, Text: "987654321"}}
	case decode.KindBool:
		return []decode.Value{{Kind: decode.Bool, True: !v.True}}
	case decode.KindEnum:
		var out []decode.Value
		for _, e := range t.Values {
			if e != v.Text {
				out = append(out, decode.Value{Kind: decode.String, Text: e})
			}
		}
		return out
	}
	return []decode.Value{{Kind: decode.String, Text: v.Text + "-other"}}
}

func sampleEvent(t *testing.T, name string, data decode.Value) *decode.Event {
	t.Helper()
	raw := fmt.Appendf(nil, `{"event": %q, "data": %s, "timestamp": {"seconds": 1700000000, "microseconds": 1}}`, name, data.String())
	m, err := decode.ScanMessage(raw)
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return decode.NewEvent(&m, "vm1")
}

// TestSummaryEveryEvent checks, for every event of the builtin catalog and
// every variant of its unions, that the summary is the event's own sentence
// and depends on each required field: a string's value appears in it, and
// for other fields some other value gives a different sentence.
func TestSummaryEveryEvent(t *testing.T) {
	events := decode.Builtin().Events()
	if len(events) < 52 {
		t.Fatalf("catalog has %d events, want at least QEMU 7.2's 52", len(events))
	}
	for _, spec := range events {
		t.Run(spec.Name, func(t *testing.T) {
			if !HasSummary(spec.Name) {
				t.Fatalf("no summary for %s", spec.Name)
			}
			for variant := 0; variant < 4; variant++ {
				s := &sampler{variant: variant}
				base := Summary(sampleEvent(t, spec.Name, s.fields("", spec.Fields, true)))
				if base == "" || strings.Contains(base, "?") {
					t.Errorf("summary %q is empty or lacks a required value", base)
				}
				for _, lf := range s.leaves {
					if lf.val.Kind == decode.String && (lf.typ == nil || lf.typ.Kind == decode.KindStr) {
						if !strings.Contains(base, lf.val.Text) {
							t.Errorf("summary %q does not mention %s = %q", base, lf.path, lf.val.Text)
						}
						continue
					}
					changed := false
					for _, o := range others(lf.typ, lf.val) {
						s2 := &sampler{variant: variant, override: map[string]decode.Value{lf.path: o}}
						if Summary(sampleEvent(t, spec.Name, s2.fields("", spec.Fields, true))) != base {
							changed = true
							break
						}
					}
					if !changed {
						t.Errorf("summary %q says nothing about %s (%s)", base, lf.path, lf.typ)
					}
				}
				full := &sampler{variant: variant, optional: true}
				if sum := Summary(sampleEvent(t, spec.Name, full.fields("", spec.Fields, true))); strings.Contains(sum, "?") {
					t.Errorf("with optional members: %q", sum)
				}
			}
		})
	}
}

// The sentences of the issue, from real QEMU 7.2 event payloads.
func TestSummaryExamples(t *testing.T) {
	tests := []struct{ ev, want string }{
		{`{"event": "VNC_CONNECTED", "data": {"server": {"auth": "none", "family": "ipv4", "service": "5905", "host": "127.0.0.1", "websocket": false}, "client": {"family": "ipv4", "service": "33952", "host": "127.0.0.1", "websocket": false}}}`,
			"VNC client 127.0.0.1:33952 connected to 127.0.0.1:5905 (auth none)"},
		{`{"event": "SPICE_INITIALIZED", "data": {"server": {"auth": "none", "port": "5900", "family": "ipv4", "host": "127.0.0.1"}, "client": {"port": "41134", "family": "ipv4", "channel-type": 1, "connection-id": 2998523295, "host": "127.0.0.1", "channel-id": 0, "tls": false}}}`,
			"SPICE main channel up, session 2998523295, client 127.0.0.1:41134 on 127.0.0.1:5900, auth none, no TLS"},
		{`{"event": "SPICE_INITIALIZED", "data": {"server": {"port": "5900", "family": "ipv6", "host": "::1"}, "client": {"port": "41134", "family": "ipv6", "channel-type": 2, "connection-id": -1296444001, "host": "::1", "channel-id": 1, "tls": true}}}`,
			"SPICE display channel 1 up, session -1296444001, client [::1]:41134 on [::1]:5900, TLS"},
		{`{"event": "BLOCK_IO_ERROR", "data": {"device": "ide0-hd1", "node-name": "#block212", "operation": "write", "action": "stop", "reason": "No space left on device"}}`,
			"write error on ide0-hd1: No space left on device, VM stopped"},
		{`{"event": "WATCHDOG", "data": {"action": "pause"}}`, "watchdog expired; VM paused"},
		{`{"event": "RTC_CHANGE", "data": {"offset": -7200, "qom-path": "/machine/unattached/device[7]"}}`,
			"guest set its RTC to 7200 s behind the -rtc base (/machine/unattached/device[7])"},
		{`{"event": "BLOCK_JOB_READY", "data": {"device": "drive0", "len": 67108864, "offset": 67108864, "speed": 0, "type": "mirror"}}`,
			"mirror job drive0 in sync, 64 MiB: complete to pivot, cancel to keep the source"},
		{`{"event": "BLOCK_JOB_CANCELLED", "data": {"device": "j", "len": 18446744073709551615, "offset": 1572864, "speed": 1048576, "type": "backup"}}`,
			"backup job j cancelled after 1.5 MiB of 16.0 EiB, limited to 1 MiB/s"},
		{`{"event": "GUEST_PANICKED", "data": {"action": "poweroff"}}`, "guest panicked; VM powered off"},
		{`{"event": "GUEST_PANICKED", "data": {"action": "pause", "info": {"type": "hyper-v", "arg1": 1, "arg2": 2, "arg3": 3, "arg4": 4, "arg5": 18446744073709551615}}}`,
			"guest panicked; VM paused, type=hyper-v arg1=1 arg2=2 arg3=3 arg4=4 arg5=18446744073709551615"},
		{`{"event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}}`, "QEMU quit on a QMP quit command"},
		{`{"event": "STOP"}`, "VM paused"},
		{`{"event": "DEVICE_TRAY_MOVED", "data": {"device": "", "id": "cd0", "tray-open": true}}`, "tray of cd0 opened"},
		{`{"event": "VNC_INITIALIZED", "data": {"server": {"auth": "vnc", "family": "ipv4", "service": "5900", "host": "127.0.0.1", "websocket": false}, "client": {"family": "ipv4", "service": "1", "host": "10.0.0.9", "websocket": true, "sasl_username": "\u001b[2Jroot\r"}}}`,
			`VNC client 10.0.0.9:1 via websocket logged in to 127.0.0.1:5900 (auth vnc), user \x1b[2Jroot\x0d`},
		{`{"event": "FUTURE_EVENT", "data": {"a": {"b": 1}, "c": "x\u202ey"}}`, `a.b=1 c=x\u202ey`},
		// The sentences of issue 13.
		{`{"event": "BLOCK_IMAGE_CORRUPTED", "data": {"device": "", "node-name": "drive", "msg": "L1 table is misaligned", "offset": 1024, "size": 512, "fatal": true}}`,
			"image of node drive corrupt: L1 table is misaligned, at offset 1024, length 512, marked unusable"},
		{`{"event": "SCLP_CPI_INFO_AVAILABLE"}`, "guest stored its control-program identification (read it with query-s390x-cpi-info)"},
		{`{"event": "RTC_CHANGE", "data": {"offset": 78, "qom-path": "/r"}}`, "guest set its RTC to 78 s ahead of the -rtc base (/r)"},
		{`{"event": "RTC_CHANGE", "data": {"offset": 0, "qom-path": "/r"}}`, "guest set its RTC to the -rtc base time (/r)"},
		{`{"event": "JOB_STATUS_CHANGE", "data": {"id": "j", "status": "null"}}`, "job j dismissed"},
		{`{"event": "JOB_STATUS_CHANGE", "data": {"id": "j", "status": "concluded"}}`, "job j finished; kept until dismissed"},
		{`{"event": "JOB_STATUS_CHANGE", "data": {"id": "j", "status": "waiting"}}`, "job j waiting for the other jobs of its transaction"},
		{`{"event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-panic"}}`, "shut down because the guest panicked"},
		{`{"event": "SHUTDOWN", "data": {"guest": false, "reason": "host-signal"}}`, "QEMU got a signal (SIGTERM/SIGINT) and is exiting"},
		{`{"event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-shutdown"}}`, "guest shut down"},
		{`{"event": "GUEST_PANICKED", "data": {"action": "run"}}`, "guest panicked; VM left running"},
		{`{"event": "MIGRATION", "data": {"status": "postcopy-active"}}`, "migration in postcopy: the VM runs on the destination, RAM still arriving"},
		{`{"event": "MIGRATION", "data": {"status": "failed"}}`, "migration failed"},
		{`{"event": "BLOCK_JOB_CANCELLED", "data": {"device": "j", "len": 1024, "offset": 1024, "speed": 0, "type": "mirror"}}`,
			"mirror job j cancelled after 1 KiB of 1 KiB"},
		{`{"event": "QMPWATCH_DISCONNECTED", "data": {"reason": "connection reset by peer"}}`,
			"lost the monitor connection: connection reset by peer; events are lost until qmpwatch reconnects"},
	}
	for _, tt := range tests {
		m, err := decode.ScanMessage([]byte(tt.ev))
		if err != nil {
			t.Fatal(err)
		}
		if got := Summary(decode.NewEvent(&m, "")); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", m.Event, got, tt.want)
		}
	}
}

// Sentences that need what came before (decode.Context, from track.Causes).
func TestSummaryWithContext(t *testing.T) {
	tests := []struct {
		ev   string
		ctx  decode.Context
		want string
	}{
		{`{"event": "BLOCK_JOB_COMPLETED", "data": {"type": "mirror", "device": "j", "len": 1024, "offset": 1024, "speed": 1048576}}`,
			decode.Context{Lasted: 90 * time.Second}, "mirror job j completed, 1 KiB, took 1m30s"},
		{`{"event": "BLOCK_JOB_COMPLETED", "data": {"type": "mirror", "device": "j", "len": 1024, "offset": 1024, "speed": 1048576}}`,
			decode.Context{}, "mirror job j completed, 1 KiB, limited to 1 MiB/s"},
		{`{"event": "BLOCK_JOB_CANCELLED", "data": {"type": "backup", "device": "j", "len": 2048, "offset": 1024, "speed": 0}}`,
			decode.Context{Lasted: 3 * time.Second}, "backup job j cancelled after 1 KiB of 2 KiB, ran 3s"},
		{`{"event": "VNC_DISCONNECTED", "data": {"server": {"auth": "vnc", "family": "ipv4", "service": "5900", "host": "127.0.0.1", "websocket": false}, "client": {"family": "ipv4", "service": "1", "host": "10.0.0.9", "websocket": false}}}`,
			decode.Context{Lasted: 125 * time.Second}, "VNC client 10.0.0.9:1 disconnected from 127.0.0.1:5900, session lasted 2m5s"},
		{`{"event": "SPICE_DISCONNECTED", "data": {"server": {"port": "5900", "family": "ipv4", "host": "127.0.0.1"}, "client": {"port": "41134", "family": "ipv4", "host": "127.0.0.1"}}}`,
			decode.Context{Lasted: time.Hour, Channel: 2}, "SPICE display channel closed, client 127.0.0.1:41134 on 127.0.0.1:5900, after 1h0m0s"},
		{`{"event": "SPICE_DISCONNECTED", "data": {"server": {"port": "5900", "family": "ipv4", "host": "127.0.0.1"}, "client": {"port": "41134", "family": "ipv4", "host": "127.0.0.1"}}}`,
			decode.Context{}, "SPICE channel closed, client 127.0.0.1:41134 on 127.0.0.1:5900"},
		{`{"event": "QMPWATCH_DISCONNECTED", "data": {"reason": "QEMU closed the connection"}}`,
			decode.Context{Exited: true}, "VM exited; monitor closed: QEMU closed the connection"},
	}
	for _, tt := range tests {
		m, err := decode.ScanMessage([]byte(tt.ev))
		if err != nil {
			t.Fatal(err)
		}
		ev := decode.NewEvent(&m, "")
		ev.Context = tt.ctx
		if got := Summary(ev); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", m.Event, got, tt.want)
		}
	}
}

func TestSize(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0 B", "1023": "1023 B", "1024": "1 KiB", "1536": "1.5 KiB", "67108864": "64 MiB",
		"10737418240": "10 GiB", "18446744073709551615": "16.0 EiB", "-5": "-5 B", "2.5": "2.5 B",
	} {
		if got := string(appendSize(nil, decode.Value{Kind: decode.Number, Text: in})); got != want {
			t.Errorf("size %s = %q, want %q", in, got, want)
		}
	}
}
