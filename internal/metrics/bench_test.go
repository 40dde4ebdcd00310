package metrics

import (
	"fmt"
	"io"
	"net/http/httptest"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// fleet is a collector that has seen every recording on n VMs.
func fleet(b *testing.B, n int) (*Collector, []*decode.Event) {
	t := &testing.T{}
	c := New(Options{})
	var all []*decode.Event
	for _, f := range []string{"guest.qmp", "blockjobs.qmp", "spice.qmp", "spice2.qmp", "vnc.qmp", "lifecycle.qmp", "demo.qmp"} {
		all = append(all, load(t, f, "x").events...)
	}
	for i := range n {
		vm := fmt.Sprintf("vm%03d", i)
		connect(c, vm, recorded{}.state, source.Connected)
		for _, ev := range all {
			cp := *ev
			cp.VM = vm
			c.Observe(&cp)
		}
	}
	return c, all
}

func BenchmarkScrape500(b *testing.B) {
	c, _ := fleet(b, 500)
	h := Handler(c, NewHealth())
	for _, enc := range []string{"", "gzip"} {
		b.Run("enc="+enc, func(b *testing.B) {
			for b.Loop() {
				rec := httptest.NewRecorder()
				req := httptest.NewRequest("GET", "/metrics", nil)
				if enc != "" {
					req.Header.Set("Accept-Encoding", enc)
				}
				h.ServeHTTP(rec, req)
				b.SetBytes(int64(rec.Body.Len()))
			}
		})
	}
}

func BenchmarkObserve(b *testing.B) {
	c, all := fleet(b, 1)
	evs := make([]decode.Event, len(all))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if i%len(all) == 0 {
			for j, ev := range all {
				evs[j] = *ev
				evs[j].VM = "vm000"
			}
		}
		c.Observe(&evs[i%len(all)])
	}
	_ = io.Discard
}
