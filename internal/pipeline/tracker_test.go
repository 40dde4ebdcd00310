package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

func records(t *testing.T, out string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		recs = append(recs, r)
	}
	return recs
}

// A replayed transcript gives a session's start and end records.
func TestTrackerReplay(t *testing.T) {
	var out bytes.Buffer
	tr := NewTracker(TrackOptions{Out: &out, JSON: true}, NewSessionsView())
	if err := tr.Replay(context.Background(), []string{"../../testdata/recordings/vnc.qmp"}, source.LogOptions{}); err != nil {
		t.Fatal(err)
	}
	recs := records(t, out.String())
	if len(recs) != 2 || recs[0]["change"] != "start" || recs[1]["change"] != "end" || recs[0]["vm"] != "vnc" {
		t.Errorf("records %v", recs)
	}
}

// In a live stream, the Merge's disconnect marker ends what was open on
// that VM, and is not shown.
func TestTrackerRunEndsAtMarker(t *testing.T) {
	const connected = `{"timestamp": {"seconds": 1700000000, "microseconds": 1}, "event": "VNC_CONNECTED", "data": {"server": {"auth": "none", "family": "ipv4", "service": "5901", "host": "0.0.0.0", "websocket": false}, "client": {"family": "ipv4", "service": "4000", "host": "10.1.1.1", "websocket": false}}}`
	var out bytes.Buffer
	tr := NewTracker(TrackOptions{Out: &out, JSON: true}, NewSessionsView())
	src := &sliceSource{evs: []*decode.Event{
		event(t, connected, "vm1", decode.Version{}),
		source.DisconnectedEvent("vm1", time.Now(), "QEMU closed the connection"),
	}}
	if err := tr.Run(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	recs := records(t, out.String())
	if len(recs) != 2 || recs[1]["change"] != "end" || recs[1]["end"] == nil {
		t.Errorf("records %v", recs)
	}
}

// A VM that opens more sessions than a tracker keeps is said once on
// Notices, its label escaped; the records stop at the bound.
func TestTrackerSaysFullOnce(t *testing.T) {
	const vm = "flood\x1b]52;c;AAAA\x07"
	var evs []*decode.Event
	for i := 0; i < track.MaxOpen+40; i++ {
		line := fmt.Sprintf(`{"timestamp": {"seconds": 1700000000, "microseconds": %d}, "event": "VNC_CONNECTED", "data": {"server": {"auth": "none", "family": "ipv4", "service": "5901", "host": "0.0.0.0", "websocket": false}, "client": {"family": "ipv4", "service": "%d", "host": "10.1.1.1", "websocket": false}}}`, i, 10000+i)
		evs = append(evs, event(t, line, vm, decode.Version{}))
	}
	var out, notices bytes.Buffer
	tr := NewTracker(TrackOptions{Out: &out, JSON: true, Notices: &notices}, NewSessionsView())
	if err := tr.Run(context.Background(), &sliceSource{evs: evs}); err != nil {
		t.Fatal(err)
	}
	if n := len(records(t, out.String())); n != track.MaxOpen {
		t.Errorf("%d records, want %d", n, track.MaxOpen)
	}
	want := `qmpwatch: flood\x1b]52;c;AAAA\x07: 256 open display sessions, the most qmpwatch tracks per VM; more are ignored until some end` + "\n"
	if notices.String() != want {
		t.Errorf("notices %q, want %q", notices.String(), want)
	}
}
