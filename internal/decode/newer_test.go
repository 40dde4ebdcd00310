package decode

import (
	"reflect"
	"testing"
)

// A QEMU newer than the catalog may send values, members and events the
// catalog cannot know: they are marked, not violations. For a QEMU the
// catalog covers, an unknown enum value stays a violation.
func TestValidateNewerQEMU(t *testing.T) {
	cat := Builtin()
	if got := cat.Newest(); got != v("10.2") {
		t.Fatalf("Newest = %s, want 10.2.0", got)
	}
	future := mustEvent(t, `{"event": "MIGRATION", "data": {"status": "postcopy-future", "extra": 1}, "timestamp": {"seconds": 1, "microseconds": 0}}`)
	tests := []struct {
		at       string
		newer    bool
		problems int
		values   []string
	}{
		{"11.0", true, 0, []string{"data.status"}},
		{"10.3.1", true, 0, []string{"data.status"}},
		{"10.2.7", false, 1, nil},
		{"10.2", false, 1, nil},
		{"", false, 1, nil},
	}
	for _, tt := range tests {
		ck := cat.Validate(future, v(tt.at))
		if ck.Newer != tt.newer || len(ck.Problems) != tt.problems || !reflect.DeepEqual(ck.UnknownValues, tt.values) {
			t.Errorf("as %q: %+v", tt.at, ck)
		}
		if !reflect.DeepEqual(ck.UnknownFields, []string{"data.extra"}) || !ck.Marked() {
			t.Errorf("as %q: unknown fields %q, marked %v", tt.at, ck.UnknownFields, ck.Marked())
		}
		if !ck.UnknownPath("data.extra") || ck.UnknownPath("data.ext") || !ck.UnknownPath("data.extra.x") {
			t.Errorf("UnknownPath wrong for %+v", ck)
		}
	}
	// postcopy-device is 10.2's own value: never marked, never a violation.
	dev := mustEvent(t, `{"event": "MIGRATION", "data": {"status": "postcopy-device"}, "timestamp": {"seconds": 1, "microseconds": 0}}`)
	for _, at := range []string{"", "10.2", "11.0"} {
		if ck := cat.Validate(dev, v(at)); ck.Marked() || len(ck.Problems) > 0 {
			t.Errorf("postcopy-device as %q: %+v", at, ck)
		}
	}
	unknown := mustEvent(t, `{"event": "NEW_EVENT", "timestamp": {"seconds": 1, "microseconds": 0}}`)
	if ck := cat.Validate(unknown, v("11.0")); !ck.Unknown || !ck.Newer || !ck.Marked() || len(ck.Problems) > 0 {
		t.Errorf("unknown event as 11.0: %+v", ck)
	}
	// A live schema has no Newest: it is exact for its QEMU.
	live, err := FromQMPSchema([]byte(`[{"name": "STOP", "meta-type": "event"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if live.Beyond(v("99.0")) {
		t.Error("a live schema must never be beyond")
	}
}

// BLOCK_IO_ERROR.qom-path is required since QEMU 9.2: a 10.2 event without
// it is a violation, a 9.1 event without it is not.
func TestBlockIOErrorQOMPathSince92(t *testing.T) {
	ev := mustEvent(t, `{"event": "BLOCK_IO_ERROR", "data": {"device": "d", "operation": "write", "action": "report", "reason": "x"}, "timestamp": {"seconds": 1, "microseconds": 0}}`)
	if ck := Builtin().Validate(ev, v("10.2")); len(ck.Problems) != 1 || ck.Problems[0].Path != "data.qom-path" {
		t.Errorf("as 10.2: %+v", ck)
	}
	for _, at := range []string{"9.1", ""} {
		if ck := Builtin().Validate(ev, v(at)); len(ck.Problems) != 0 {
			t.Errorf("as %q: %+v", at, ck)
		}
	}
}
