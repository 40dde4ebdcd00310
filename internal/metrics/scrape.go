package metrics

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// metricsHandler writes c's series with AppendText, then the runtime
// registry's through client_golang's encoder, gzipped when the scraper
// accepts it (Prometheus does) at the fastest level: the text of 500 VMs is
// a few MB, which the default level takes tens of milliseconds to pack.
func metricsHandler(c *Collector, runtime prometheus.Gatherer) http.HandlerFunc {
	bufs := sync.Pool{New: func() any { return new([]byte) }}
	zips := sync.Pool{New: func() any {
		z, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
		return z
	}}
	return func(w http.ResponseWriter, r *http.Request) {
		bp := bufs.Get().(*[]byte)
		defer bufs.Put(bp)
		*bp = c.AppendText((*bp)[:0])
		var tail bytes.Buffer
		if mfs, err := runtime.Gather(); err == nil {
			for _, mf := range mfs {
				expfmt.MetricFamilyToText(&tail, mf)
			}
		}
		w.Header().Set("Content-Type", ContentType)
		if !acceptsGzip(r.Header.Get("Accept-Encoding")) {
			w.Write(*bp)
			w.Write(tail.Bytes())
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Add("Vary", "Accept-Encoding")
		z := zips.Get().(*gzip.Writer)
		defer zips.Put(z)
		z.Reset(w)
		z.Write(*bp)
		z.Write(tail.Bytes())
		z.Close()
	}
}

// acceptsGzip reads an Accept-Encoding header: gzip listed without q=0.
func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) != "gzip" {
			continue
		}
		q := strings.ReplaceAll(params, " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
