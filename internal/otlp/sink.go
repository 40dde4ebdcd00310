// Package otlp sends every event as an OpenTelemetry log record (--otlp):
// one record per event, through the official Go SDK and its OTLP/HTTP
// exporter (protobuf), to a collector that forwards it to Loki,
// Elasticsearch or whatever the operator runs. docs/otlp.md documents the
// record, its attributes and the severity table.
//
// A Sink is a pipeline.Sink: Deliver never blocks. Records wait in a
// bounded queue while the collector is away, and one goroutine sends them
// in batches, retrying with backoff; an overflow is dropped, said and
// counted. It prints nothing but its one-line notes to Options.Notes.
package otlp

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/safe"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// Defaults.
const (
	DefaultQueue = 10000           // records held while the collector is away
	FlushTimeout = 5 * time.Second // what Close gives the queue at the end
	maxBatch     = 512             // records per request
	linger       = 200 * time.Millisecond
	minBackoff   = 250 * time.Millisecond
	maxBackoff   = 5 * time.Second
)

// Options configure a Sink.
type Options struct {
	URL     string // the collector: http(s)://host:port, or a full .../v1/logs URL (CheckURL)
	Version string // qmpwatch's version, the resource's service.version
	Host    string // the resource's host.name
	Queue   int    // records held while the collector is away; 0: DefaultQueue
	Catalog *decode.Catalog
	Notes   io.Writer // drops and outages are said here, one line each
}

// Sink is the --otlp output.
type Sink struct {
	o        Options
	cat      *decode.Catalog
	logger   log.Logger
	provider *sdklog.LoggerProvider
	exp      sdklog.Exporter
	q        *queue
	noteMu   sync.Mutex // the sender and the drop ticker both write notes
	addrMu   sync.Mutex
	addrs    map[string]string // VM label → monitor address
	ctx      context.Context   // the sender's; Close cancels it at the deadline
	cancel   context.CancelFunc
	stop     chan struct{} // Close began: send what is left, then end
	done     chan struct{} // the sender ended
	notes    chan struct{} // the notes ticker ended
}

// CheckURL validates --otlp and returns the URL the exporter posts to: a
// URL without a path gets OTLP's /v1/logs.
func CheckURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("--otlp %s: want http://host:port or https://host:port (a collector's OTLP/HTTP receiver)", s)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1/logs"
	}
	return u.String(), nil
}

// New makes a Sink and starts its sender. It opens no connection: the
// first batch does. The OTEL_EXPORTER_OTLP_* variables (headers, TLS,
// compression, timeout) and OTEL_RESOURCE_ATTRIBUTES apply; the URL given
// here wins over OTEL_EXPORTER_OTLP_ENDPOINT.
func New(o Options) (*Sink, error) {
	endpoint, err := CheckURL(o.URL)
	if err != nil {
		return nil, err
	}
	if o.Queue <= 0 {
		o.Queue = DefaultQueue
	}
	if o.Catalog == nil {
		o.Catalog = decode.Builtin()
	}
	ctx, cancel := context.WithCancel(context.Background())
	// The exporter retries 429, 502, 503 and 504 itself, honouring
	// Retry-After; the sender retries everything transient beyond that.
	exp, err := otlploghttp.New(ctx, otlploghttp.WithEndpointURL(endpoint),
		otlploghttp.WithRetry(otlploghttp.RetryConfig{Enabled: true, InitialInterval: minBackoff, MaxInterval: maxBackoff, MaxElapsedTime: 30 * time.Second}))
	if err != nil {
		cancel()
		return nil, fmt.Errorf("--otlp: %w", err)
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", "qmpwatch"), attribute.String("service.version", o.Version), attribute.String("host.name", o.Host)),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv()) // last: OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME win
	if err != nil {
		cancel()
		return nil, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	s := &Sink{o: o, cat: o.Catalog, exp: exp, q: newQueue(o.Queue), addrs: map[string]string{},
		ctx: ctx, cancel: cancel, stop: make(chan struct{}), done: make(chan struct{}), notes: make(chan struct{})}
	// No limit on attributes: an event's data is bounded by the decoder.
	s.provider = sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithProcessor(s.q),
		sdklog.WithAttributeCountLimit(-1), sdklog.WithAttributeValueLengthLimit(-1))
	s.logger = s.provider.Logger("github.com/qmpwatch/qmpwatch", log.WithInstrumentationVersion(o.Version))
	go s.send()
	go s.sayDrops()
	return s, nil
}

// Deliver queues the event's record; it never blocks on the network.
func (s *Sink) Deliver(ev *decode.Event) {
	s.addrMu.Lock()
	addr := s.addrs[ev.VM]
	s.addrMu.Unlock()
	s.logger.Emit(context.Background(), Record(s.cat, ev, addr, time.Now()))
}

// Status learns each VM's monitor address from the sources' reports.
func (s *Sink) Status(st source.Status) {
	if st.Kind == source.Connected || st.Kind == source.Reconnected {
		s.addrMu.Lock()
		s.addrs[st.VM] = st.Addr
		s.addrMu.Unlock()
	}
}

// DroppedByVM is how many events each VM lost on the way to the collector:
// qmpwatch_events_dropped_total{sink="otlp"}.
func (s *Sink) DroppedByVM() map[string]uint64 { return s.q.droppedByVM() }

// Close sends what is queued, for at most timeout, then stops. What could
// not be sent is said and counted.
func (s *Sink) Close(timeout time.Duration) {
	s.q.close()
	close(s.stop)
	select {
	case <-s.done:
	case <-time.After(timeout):
		s.cancel() // ends a request in flight and the backoff
		<-s.done
	}
	s.cancel()
	<-s.notes
	if n := s.q.len(); n > 0 {
		s.q.pop(n, true)
		s.note("%d events not sent to %s before the %s deadline", n, s.o.URL, timeout)
	}
	_ = s.provider.Shutdown(context.Background())
	_ = s.exp.Shutdown(context.Background())
}

// note says one line on Notes, escaped like every text that reaches stderr.
func (s *Sink) note(format string, args ...any) {
	if s.o.Notes != nil {
		s.noteMu.Lock()
		defer s.noteMu.Unlock()
		fmt.Fprintf(s.o.Notes, "qmpwatch: otlp: %s\n", safe.String(strings.TrimSpace(fmt.Sprintf(format, args...))))
	}
}
