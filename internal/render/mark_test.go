package render

import (
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// Marked, never hidden: what the catalog does not know keeps its place in
// pretty and table output, with a dim "?", and -v shows it all.
func TestMarksForUnknowns(t *testing.T) {
	v11 := decode.Version{Major: 11}
	events := []*decode.Event{
		checkedEvent(t, `{"event": "NEW_EVENT", "data": {"a": {"b": 1}}, "timestamp": {"seconds": 1700000000, "microseconds": 0}}`, "vm1", v11),
		checkedEvent(t, `{"event": "MIGRATION", "data": {"status": "postcopy-future", "rate": {"mbps": 5}}, "timestamp": {"seconds": 1700000000, "microseconds": 0}}`, "vm1", v11),
		checkedEvent(t, `{"event": "STOP", "data": {"why": "x\u001b"}, "timestamp": {"seconds": 1700000000, "microseconds": 0}}`, "vm1", v11),
		checkedEvent(t, `{"event": "RESUME", "timestamp": {"seconds": 1700000000, "microseconds": 0}}`, "vm1", v11),
	}
	tests := []struct {
		format  string
		verbose bool
		want    []string
	}{
		{"pretty", false, []string{
			"2023-11-14T22:13:20.000000Z  NEW_EVENT?  a.b=1",
			"2023-11-14T22:13:20.000000Z  MIGRATION  migration status postcopy-future ?rate ?status=postcopy-future",
			`2023-11-14T22:13:20.000000Z  STOP  VM paused ?why`,
			"2023-11-14T22:13:20.000000Z  RESUME  VM running",
		}},
		{"pretty", true, []string{
			"2023-11-14T22:13:20.000000Z  NEW_EVENT?  a.b=1",
			"2023-11-14T22:13:20.000000Z  MIGRATION  migration status postcopy-future  status=postcopy-future? rate.mbps?=5",
			`2023-11-14T22:13:20.000000Z  STOP  VM paused  why?=x\x1b`,
			"2023-11-14T22:13:20.000000Z  RESUME  VM running",
		}},
		{"table", false, []string{
			"TIME                         EVENT                  SUMMARY",
			"2023-11-14T22:13:20.000000Z  NEW_EVENT?             a.b=1",
			"2023-11-14T22:13:20.000000Z  MIGRATION              migration status postcopy-future ?rate ?status=postcopy-future",
			"2023-11-14T22:13:20.000000Z  STOP                   VM paused ?why",
			"2023-11-14T22:13:20.000000Z  RESUME                 VM running",
		}},
	}
	for _, tt := range tests {
		r, err := New(Options{Format: tt.format, Verbose: tt.verbose, Time: "utc", Location: time.UTC})
		if err != nil {
			t.Fatal(err)
		}
		var out []byte
		for _, ev := range events {
			if out, err = r.Render(out, ev); err != nil {
				t.Fatal(err)
			}
		}
		got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%s verbose=%v:\n%s\nwant:\n%s", tt.format, tt.verbose, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
	}
	// In colour the mark is dim (faint).
	r, _ := New(Options{Format: "pretty", Palette: NewPalette(true), Time: "utc", Location: time.UTC})
	out, _ := r.Render(nil, events[0])
	if !strings.Contains(string(out), "NEW_EVENT\x1b[2m?\x1b[22m") {
		t.Errorf("unknown event's mark is not dim: %q", out)
	}
}
