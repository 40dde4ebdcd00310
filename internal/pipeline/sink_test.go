package pipeline

import (
	"context"
	"io"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/filter"
	"github.com/qmpwatch/qmpwatch/internal/render"
)

type nameSink struct{ names []string }

func (s *nameSink) Deliver(ev *decode.Event) { s.names = append(s.names, ev.Name) }

// A sink hears of the events that passed the filters, in order, and of no other.
func TestSinksGetPassingEvents(t *testing.T) {
	s := &nameSink{}
	p, err := New(Options{Out: io.Discard, ErrOut: io.Discard, Render: render.Options{Format: "json"},
		Filter: filter.Spec{Excludes: []string{"RESUME"}}, Schema: "builtin", Sinks: []Sink{s}})
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		`{"event":"STOP","timestamp":{"seconds":1,"microseconds":0}}`,
		`{"event":"RESUME","timestamp":{"seconds":2,"microseconds":0}}`,
		`{"event":"RESET","timestamp":{"seconds":3,"microseconds":0},"data":{"guest":false,"reason":"host-qmp-system-reset"}}`,
	} {
		m, err := decode.ScanMessage([]byte(line))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Emit(context.Background(), decode.NewEvent(&m, "vm1")); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.names; len(got) != 2 || got[0] != "STOP" || got[1] != "RESET" {
		t.Fatalf("sink got %v, want [STOP RESET]", got)
	}
}
