package track

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
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

// recording reads the events of a real QEMU transcript in
// testdata/recordings, the way a transcript reader does: frame, scan, and
// keep the events.
func recording(t *testing.T, name string) []*decode.Event {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "recordings", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fr := decode.NewFramer(f)
	var evs []*decode.Event
	for {
		raw, err := fr.Next()
		if err == io.EOF {
			return evs
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		m, err := decode.ScanMessage(append([]byte(nil), raw...))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if m.Kind == decode.MsgEvent {
			evs = append(evs, decode.NewEvent(&m, strings.TrimSuffix(name, ".qmp")))
		}
	}
}

// NewCausesForTest returns a cause tracker over the builtin catalog, which
// must have loaded.
func NewCausesForTest(t *testing.T) *Causes {
	t.Helper()
	if err := decode.BuiltinError(); err != nil {
		t.Fatal(err)
	}
	return NewCauses(decode.Builtin())
}
