package metrics

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// DefaultAddr is where serve listens unless told otherwise: loopback only.
const DefaultAddr = "127.0.0.1:9477"

// index is the text of "/".
const index = `qmpwatch serve: QMP events of QEMU virtual machines as Prometheus metrics.

/metrics  the metrics, in Prometheus text format (documented in docs/metrics.md)
/healthz  200 "ok" while every configured source is connected or retrying, else 503 and why
/         this page

Every endpoint only reads: nothing here changes qmpwatch or a VM.
`

// NewRegistry returns a registry with c and the Go and process collectors,
// for client_golang's own handler and tools (Handler writes the same series
// faster).
func NewRegistry(c *Collector) *prometheus.Registry {
	reg := runtimeRegistry()
	reg.MustRegister(c)
	return reg
}

// runtimeRegistry holds the Go runtime's and the process's metrics.
func runtimeRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Handler serves /metrics from c (plus the Go runtime's and the process's
// metrics), /healthz from h and the index at /. Only GET and HEAD are
// allowed.
func Handler(c *Collector, h *Health) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", metricsHandler(c, runtimeRegistry()))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if problems := h.Check(); len(problems) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, strings.Join(problems, "\n"))
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, index)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "read-only: GET or HEAD", http.StatusMethodNotAllowed)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// Server is the HTTP side of serve.
type Server struct {
	ln       net.Listener
	srv      *http.Server
	certFile string
	keyFile  string
}

// Listen binds addr (host:port) now, so that a taken port fails before any
// VM is watched. With certFile and keyFile, it serves HTTPS.
func Listen(addr, certFile, keyFile string, h http.Handler) (*Server, error) {
	if (certFile == "") != (keyFile == "") {
		return nil, errors.New("--metrics-tls-cert and --metrics-tls-key go together")
	}
	var tc *tls.Config
	if certFile != "" {
		// Load now: a bad key is a start-up error, not a failed request.
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("metrics tls: %w", err)
		}
		tc = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return &Server{ln: ln, certFile: certFile, keyFile: keyFile, srv: &http.Server{
		Handler:           h,
		TLSConfig:         tc,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}}, nil
}

// URL is where the metrics are, e.g. http://127.0.0.1:9477/metrics.
func (s *Server) URL() string {
	scheme := "http"
	if s.certFile != "" {
		scheme = "https"
	}
	return scheme + "://" + s.ln.Addr().String() + "/metrics"
}

// Serve answers requests until ctx ends, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() {
		if s.certFile != "" {
			errc <- s.srv.ServeTLS(s.ln, "", "")
		} else {
			errc <- s.srv.Serve(s.ln)
		}
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("metrics: %w", err)
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.srv.Shutdown(sctx)
		<-errc
		return nil
	}
}
