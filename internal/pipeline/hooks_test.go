package pipeline

import (
	"context"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/filter"
)

// TestTeeAndHandled: the tee sees every event before the filters, in
// order; Handled hears of each event the run is done with, filtered ones
// included, and of none after --count ended the run.
func TestTeeAndHandled(t *testing.T) {
	var teed, handled []*decode.Event
	p, out, _ := newTest(t, Options{
		Filter:  filter.Spec{Events: []string{"STOP"}},
		Count:   2,
		Tee:     func(ev *decode.Event) { teed = append(teed, ev) },
		Handled: func(ev *decode.Event) { handled = append(handled, ev) },
	})
	evs := []*decode.Event{event(t, stop, "vm1", decode.Version{}), event(t, cont, "vm1", decode.Version{}),
		event(t, stop, "vm1", decode.Version{}), event(t, cont, "vm1", decode.Version{})}
	if err := p.Run(context.Background(), &sliceSource{evs: append([]*decode.Event(nil), evs...)}); err != nil {
		t.Fatal(err)
	}
	if out.Len() == 0 {
		t.Fatal("nothing shown")
	}
	for name, got := range map[string][]*decode.Event{"tee": teed, "handled": handled} {
		if len(got) != 3 {
			t.Fatalf("%s got %d events, want the 3 before --count 2 was reached", name, len(got))
		}
		for i, ev := range got {
			if ev != evs[i] {
				t.Errorf("%s: event %d is %s, want %s (in order)", name, i, ev.Name, evs[i].Name)
			}
		}
	}
}
