package fleet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// Defaults of a Publisher.
const (
	DefaultStream = "QMP"
	DefaultMaxAge = 7 * 24 * time.Hour
	// DefaultBuffer is how many events a Publisher holds while the server
	// cannot be reached (in memory, a few hundred bytes each).
	DefaultBuffer = 100000
	// window is how many messages are in flight, waiting for their
	// acknowledgement: enough to keep a local server busy.
	window = 2048
	// ackTimeout bounds the wait for one acknowledgement.
	ackTimeout = 5 * time.Second
	// retryWait is the pause before sending again after a failure.
	retryWait = 250 * time.Millisecond
	// DefaultStuckAfter: an outage this long is a problem for /healthz;
	// shorter ones (a server restart) are not.
	DefaultStuckAfter = 30 * time.Second
	// causeUnreachable is the cause of an outage while disconnected.
	causeUnreachable = "server unreachable"
)

// PublisherOptions configure a Publisher.
type PublisherOptions struct {
	Access
	Host   string        // the host label: the <host> token and "host" member
	Stream string        // DefaultStream when empty
	MaxAge time.Duration // of a stream the publisher creates; DefaultMaxAge when 0
	Buffer int           // events held while unreachable; DefaultBuffer when 0
	Notes  io.Writer     // one line per outage, recovery and overflow; nil for none
	// StuckAfter is how long sending may fail before Problem reports it;
	// DefaultStuckAfter when 0.
	StuckAfter time.Duration
}

// Publisher puts events on the stream with acknowledgements, in the order
// they were given. Events wait in a bounded in-memory queue until
// acknowledged; while the server is away they wait there and go out, in
// order, when it is back. When the queue is full, Publish waits if the server
// is connected (it is only slower than the VMs: back-pressure, nothing lost)
// and drops the event if not: counted (Dropped) and reported on Notes. A
// stopped qmpwatch loses what is still queued (Close says how many).
type Publisher struct {
	o  PublisherOptions
	nc *nats.Conn
	js jetstream.JetStream

	mu      sync.Mutex
	queue   []*nats.Msg // unacknowledged, oldest first; queue[:sent] are in flight
	wake    chan struct{}
	space   chan struct{} // poked when an acknowledgement frees a place
	closed  bool
	lastTS  map[string][2]int64 // VM label → last timestamp seen
	sameTS  map[string]int      // VM label → events so far with that timestamp
	dropped atomic.Uint64
	acked   atomic.Uint64
	maxMsg  atomic.Int64 // the stream's MaxMsgSize; 0 or less: none

	noteMu    sync.Mutex
	down      bool // an outage was reported and has not ended
	downSince time.Time
	downCause string
	dropNote  time.Time
	lastNote  string
	droppedVM map[string]uint64
	// droppedWhy counts drops per reason (Reason*); refusedSaid: the
	// reason and VM pairs already said on Notes.
	droppedWhy  map[string]uint64
	refusedSaid map[string]bool

	cancel context.CancelFunc
	done   chan struct{}
}

// NewPublisher connects to the server (or keeps trying in the background:
// a publisher started while the server is down buffers) and starts sending.
// It fails only on options that can never work.
func NewPublisher(o PublisherOptions) (*Publisher, error) {
	if o.Host == "" {
		return nil, errors.New("a host label is needed to publish (--host-label)")
	}
	if o.Stream == "" {
		o.Stream = DefaultStream
	}
	if o.MaxAge == 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.Buffer <= 0 {
		o.Buffer = DefaultBuffer
	}
	if o.Notes == nil {
		o.Notes = io.Discard
	}
	if o.StuckAfter <= 0 {
		o.StuckAfter = DefaultStuckAfter
	}
	if o.Name == "" {
		o.Name = "qmpwatch publisher " + o.Host
	}
	fmt.Fprint(o.Notes, o.credsWarning())
	p := &Publisher{o: o, wake: make(chan struct{}, 1), space: make(chan struct{}, 1), droppedVM: map[string]uint64{},
		droppedWhy: map[string]uint64{}, refusedSaid: map[string]bool{},
		lastTS: map[string][2]int64{}, sameTS: map[string]int{}, done: make(chan struct{})}
	nc, err := nats.Connect(o.URL, o.options(o.Notes,
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(retryWait),
		// No client-side buffer while disconnected: the queue here is
		// the buffer, and it knows what was acknowledged.
		nats.ReconnectBufSize(-1),
		nats.DisconnectErrHandler(func(*nats.Conn, error) { p.outage() }),
		nats.ReconnectHandler(func(*nats.Conn) {
			if p.Pending() == 0 {
				p.recovered() // nothing to send: being back is all
			}
			p.poke()
		}),
		// A refusal (wrong password, expired credentials) is not an
		// outage to wait out silently: say it, once per reason.
		nats.ReconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil && !errors.Is(err, nats.ErrNoServers) && !isConnRefused(err) {
				p.note(err)
			}
		}),
	)...)
	if err != nil {
		return nil, o.connectError(err)
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(ackTimeout), jetstream.WithPublishAsyncMaxPending(window))
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("%s: %w", o.Redacted(), err)
	}
	p.nc, p.js = nc, js
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	go p.run(ctx)
	return p, nil
}

// Publish queues ev; its QEMU version (Event.QEMU) goes into the header. Call it from one goroutine, in the events' order.
func (p *Publisher) Publish(ev *decode.Event) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	ts := [2]int64{ev.Seconds, ev.Micros}
	seq := 0
	if p.lastTS[ev.VM] == ts {
		seq = p.sameTS[ev.VM] + 1
	}
	p.lastTS[ev.VM], p.sameTS[ev.VM] = ts, seq
	for len(p.queue) >= p.o.Buffer {
		p.mu.Unlock()
		// Connected but slower than the VMs: wait, so that the monitors'
		// reading slows down and QEMU queues (back-pressure, no loss).
		// Unreachable: drop, count and say so.
		if !p.nc.IsConnected() || p.isDown() || !p.waitSpace() {
			p.drop(ev.VM)
			return
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return
		}
	}
	qemu := ""
	if ev.QEMU.Known() {
		qemu = ev.QEMU.String()
	}
	m := NewMsg(ev, p.o.Host, qemu, seq)
	if reason, detail := p.refusal(m); reason != "" {
		// Never stored, whatever happens: it costs this event only.
		p.mu.Unlock()
		p.refused(m, reason, detail)
		return
	}
	p.queue = append(p.queue, m)
	p.mu.Unlock()
	p.poke()
}

// Dropped is how many events were dropped: refused for good by the server
// or the stream (one message each, see refusal), or finding the buffer full
// while the server was away. qmpwatch_events_dropped_total.
func (p *Publisher) Dropped() uint64 { return p.dropped.Load() }

// DroppedByVM is Dropped per VM label, for qmpwatch_events_dropped_total{vm}.
func (p *Publisher) DroppedByVM() map[string]uint64 {
	p.noteMu.Lock()
	defer p.noteMu.Unlock()
	return maps.Clone(p.droppedVM)
}

// Acked is how many events the stream has acknowledged.
func (p *Publisher) Acked() uint64 { return p.acked.Load() }

// Pending is how many events wait for their acknowledgement.
func (p *Publisher) Pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.queue)
}

// Flush waits until every queued event is acknowledged or ctx is done.
func (p *Publisher) Flush(ctx context.Context) error {
	for p.Pending() > 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d events not acknowledged: %w", p.Pending(), ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
	return nil
}

// Close waits up to grace for the queue to empty, then disconnects. What is
// still queued is lost, and said so on Notes.
func (p *Publisher) Close(grace time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	_ = p.Flush(ctx)
	p.mu.Lock()
	p.closed = true
	left := len(p.queue)
	p.mu.Unlock()
	p.cancel()
	<-p.done
	p.nc.Close()
	if left > 0 {
		fmt.Fprintf(p.o.Notes, "qmpwatch: nats: stopped with %d events not acknowledged by %s: they are lost\n", left, p.o.Redacted())
	}
	why := p.DroppedByReason()
	for _, reason := range []string{ReasonBufferFull, ReasonSubjectTooLong, ReasonTooLarge, ReasonRefused} {
		if d := why[reason]; d > 0 {
			fmt.Fprintf(p.o.Notes, "qmpwatch: nats: %d events were dropped in all (%s)\n", d, reason)
		}
	}
}

// waitSpace waits a moment for acknowledgements to make room; false when
// the publisher is stopping.
func (p *Publisher) waitSpace() bool {
	t := time.NewTimer(100 * time.Millisecond)
	defer t.Stop()
	select {
	case <-p.space:
	case <-t.C:
	case <-p.done:
		return false
	}
	return true
}

func (p *Publisher) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *Publisher) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}
