package metrics

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// metricsHandler writes c's series with AppendText, then the runtime
// registry's through client_golang's encoder, gzipped when the scraper
// accepts it (Prometheus does) at the fastest level: the text of 500 VMs is
// a few MB, which the default level takes tens of milliseconds to pack.
// klauspost/compress's gzip packs it in about half the time of the
// standard library's at its fastest, for a similar size.
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
		// Packed whole, then written at once: under load, a handler that
		// writes a piece after each compressed block waits for the
		// scheduler again at every one.
		zp := bufs.Get().(*[]byte)
		defer bufs.Put(zp)
		zb := bytes.NewBuffer((*zp)[:0])
		z := zips.Get().(*gzip.Writer)
		defer zips.Put(z)
		z.Reset(zb)
		z.Write(*bp)
		z.Write(tail.Bytes())
		z.Close()
		*zp = zb.Bytes()
		w.Header().Set("Content-Length", strconv.Itoa(zb.Len()))
		w.Write(zb.Bytes())
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
