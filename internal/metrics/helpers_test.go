package metrics

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// recorded is one real QEMU transcript from testdata/recordings: the run
// state query-status gave at connect, and the events after it.
type recorded struct {
	state  track.RunState
	events []*decode.Event
}

// load reads a transcript the way a monitor client does (frame, scan) and
// labels its events vm.
func load(t *testing.T, name, vm string) recorded {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "recordings", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fr := decode.NewFramer(f)
	var r recorded
	for {
		raw, err := fr.Next()
		if errors.Is(err, io.EOF) {
			return r
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		m, err := decode.ScanMessage(append([]byte(nil), raw...))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		switch m.Kind {
		case decode.MsgEvent:
			r.events = append(r.events, decode.NewEvent(&m, vm))
		case decode.MsgReturn:
			if st, err := track.ParseStatus(m.Return); err == nil && st.Status != "" && string(m.ID) == "2" {
				r.state = st
			}
		}
	}
}

// connect reports vm as connected, seeded with its run state, as serve's
// Attach hook and the source's status do.
func connect(c *Collector, vm string, st track.RunState, kind source.Kind) {
	c.SetState(vm, st)
	c.Status(source.Status{Kind: kind, VM: vm, Addr: "unix:/run/" + vm + ".qmp", At: time.Now()})
}

// feed hands events to c as serve's reader does.
func feed(c *Collector, evs ...*decode.Event) {
	for _, ev := range evs {
		c.Observe(ev)
	}
}

// series gathers c and returns the metrics of one family whose labels
// include every name=value pair of want.
func series(t *testing.T, c *Collector, family string, want map[string]string) []*dto.Metric {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var out []*dto.Metric
	for _, mf := range mfs {
		if mf.GetName() != family {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			have := map[string]string{}
			for _, lp := range m.GetLabel() {
				have[lp.GetName()] = lp.GetValue()
			}
			for k, v := range want {
				if have[k] != v {
					continue next
				}
			}
			out = append(out, m)
		}
	}
	return out
}

// value is the single value of a counter or gauge; it fails when the
// series is absent or ambiguous.
func value(t *testing.T, c *Collector, family string, labels map[string]string) float64 {
	t.Helper()
	ms := series(t, c, family, labels)
	if len(ms) != 1 {
		t.Fatalf("%s%v: %d series, want 1", family, labels, len(ms))
	}
	if m := ms[0]; m.Counter != nil {
		return m.Counter.GetValue()
	} else if m.Gauge != nil {
		return m.Gauge.GetValue()
	}
	t.Fatalf("%s: not a counter or gauge", family)
	return 0
}

// fakeClock is a settable clock for ForgetAfter.
type fakeClock struct{ t time.Time }

func (f *fakeClock) now() time.Time          { return f.t }
func (f *fakeClock) advance(d time.Duration) { f.t = f.t.Add(d) }
