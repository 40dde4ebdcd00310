package track

import (
	"fmt"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// ev builds an event of vm from one QMP event line, as a source would.
func ev(t *testing.T, vm, line string) *decode.Event {
	t.Helper()
	m, err := decode.ScanMessage([]byte(line))
	if err != nil || m.Kind != decode.MsgEvent {
		t.Fatalf("bad test event %s: %v", line, err)
	}
	return decode.NewEvent(&m, vm)
}

// at builds an event named name with data at second sec (+ usec).
func at(t *testing.T, vm string, sec, usec int64, name, data string) *decode.Event {
	t.Helper()
	if data == "" {
		return ev(t, vm, fmt.Sprintf(`{"timestamp": {"seconds": %d, "microseconds": %d}, "event": %q}`, sec, usec, name))
	}
	return ev(t, vm, fmt.Sprintf(`{"timestamp": {"seconds": %d, "microseconds": %d}, "event": %q, "data": %s}`, sec, usec, name, data))
}
