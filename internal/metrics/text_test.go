package metrics

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/qmpwatch/qmpwatch/internal/source"
)

// flat lists every sample of some families as sorted "name{labels} value"
// lines, whatever their order.
func flat(mfs []*dto.MetricFamily) []string {
	var out []string
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var ls []string
			for _, lp := range m.GetLabel() {
				ls = append(ls, lp.GetName()+"="+lp.GetValue())
			}
			sort.Strings(ls)
			id := mf.GetName() + "{" + strings.Join(ls, ",") + "}"
			switch {
			case m.Counter != nil:
				out = append(out, fmt.Sprintf("%s %v", id, m.Counter.GetValue()))
			case m.Gauge != nil:
				out = append(out, fmt.Sprintf("%s %v", id, m.Gauge.GetValue()))
			case m.Histogram != nil:
				h := m.Histogram
				out = append(out, fmt.Sprintf("%s count=%d sum=%v", id, h.GetSampleCount(), h.GetSampleSum()))
				for _, b := range h.GetBucket() {
					if math.IsInf(b.GetUpperBound(), +1) {
						continue // implicit in client_golang's families, explicit in text
					}
					out = append(out, fmt.Sprintf("%s le=%v %d", id, b.GetUpperBound(), b.GetCumulativeCount()))
				}
			}
		}
		out = append(out, "# "+mf.GetName()+" "+mf.GetType().String()+" "+mf.GetHelp())
	}
	sort.Strings(out)
	return out
}

// AppendText writes exactly what Collect gives through client_golang: the
// same families, help, types, labels and values.
func TestAppendTextMatchesCollect(t *testing.T) {
	c := New(Options{})
	for _, f := range []string{"guest.qmp", "blockjobs.qmp", "spice2.qmp", "vnc.qmp", "lifecycle.qmp", "demo.qmp"} {
		vm := strings.TrimSuffix(f, ".qmp")
		r := load(t, f, vm)
		connect(c, vm, r.state, source.Connected)
		feed(c, r.events...)
	}
	c.Status(source.Status{Kind: source.Disconnected, VM: "vnc"})
	feed(c, event(t, `odd "vm"\name`+"\n", "STOP", ""))

	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	want, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	text := c.AppendText(nil)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	got, err := parser.TextToMetricFamilies(bytes.NewReader(text))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, text)
	}
	var gotList []*dto.MetricFamily
	for _, mf := range got {
		gotList = append(gotList, mf)
	}
	w, g := flat(want), flat(gotList)
	if strings.Join(w, "\n") != strings.Join(g, "\n") {
		t.Errorf("text and Collect differ:\ncollect:\n%s\n\ntext:\n%s", strings.Join(w, "\n"), strings.Join(g, "\n"))
	}
	if len(w) < 100 {
		t.Errorf("only %d samples: the recordings did not all count", len(w))
	}
}
