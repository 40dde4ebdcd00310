package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/safe"
)

// ErrEnded means every source of a Merge ended normally. It wraps io.EOF:
// for a reader of the merged stream it is the end of the input.
var ErrEnded = fmt.Errorf("every source ended: %w", io.EOF)

// FailedError means every source ended and some of them failed (could not
// connect, or broke the protocol). Each failure was reported as a Status.
type FailedError struct{ Failed, Total int }

func (e *FailedError) Error() string {
	return fmt.Sprintf("%d of %d sources failed", e.Failed, e.Total)
}

// QueueSize is how many events a Merge holds before its sources stop
// reading their sockets and QEMU queues instead.
const QueueSize = 256

// MaxBatch is the most events a source hands on at once. A session batches
// only the events it has already read when the next one is buffered too
// (conn.Client.More): under load one queue operation carries many events,
// and a lone event is never held back waiting for company.
const MaxBatch = 32

// QueueBatches bounds a queue of batches (the Merge's, the pipeline's
// read-ahead): at most 2*QueueSize events even when every batch is full, so
// that a consumer that stops soon stops the reading of every socket.
const QueueBatches = 2 * QueueSize / MaxBatch

// Options configure a Merge.
type Options struct {
	// Status receives every connection change, one call at a time.
	Status func(Status)
	// Markers puts QMPWATCH_DISCONNECTED and QMPWATCH_RECONNECTED events
	// into the stream.
	Markers bool
	// Conn tunes every connection (timeouts, message size).
	Conn conn.Options
	// Attach runs on every new session before its first event, e.g. to
	// fetch the VM's schema; its note goes into the Connected status. An
	// error ends the session as a failure.
	Attach func(c *conn.Client) (note string, err error)
	// Backoff makes the delays between redials; DefaultBackoff when nil.
	Backoff func() *Backoff
	// Observe, when set, sees each event of a session in the session's own
	// goroutine, before it is queued: in stream order for its VM, and in
	// parallel across VMs (serve counts events there, on every core).
	Observe func(*decode.Event)
}

// Merge is one stream of events from many sources. Each source runs in its
// own goroutine and blocks when the shared bounded queue is full, so a slow
// consumer slows the reading of every socket instead of growing memory.
type Merge struct {
	ctx context.Context
	o   Options
	out chan []*decode.Event
	cur []*decode.Event // the rest of the batch Next is handing out
	mu  sync.Mutex
	// statusMu makes Status calls one at a time. It is not mu: a Status
	// callback may wait on its consumer (a full-screen view that has not
	// started yet), and must not hold up Seal or a source ending meanwhile.
	statusMu sync.Mutex
	live     int                  // running goroutines, plus one until Seal
	gone     map[string]time.Time // VM label → when it went away
	// counts for the final error
	total, failed int
	sealed        bool
	wg            sync.WaitGroup
	// fdLimitSaid: qmpwatch's open-file limit was said (conn.FDLimitError),
	// once for all the sockets that meet it.
	fdLimitSaid atomic.Bool
}

// New returns a Merge whose sources stop when ctx is done. Add sources, then
// call Seal; Next returns ErrEnded or *FailedError once all have ended.
func New(ctx context.Context, o Options) *Merge {
	if o.Status == nil {
		o.Status = func(Status) {}
	}
	if o.Backoff == nil {
		o.Backoff = DefaultBackoff
	}
	return &Merge{ctx: ctx, o: o, out: make(chan []*decode.Event, QueueBatches), live: 1, gone: map[string]time.Time{}}
}

// Next returns the next event from any source.
func (m *Merge) Next(ctx context.Context) (*decode.Event, error) {
	if len(m.cur) == 0 {
		b, err := m.NextBatch(ctx)
		if err != nil {
			return nil, err
		}
		m.cur = b
	}
	ev := m.cur[0]
	m.cur[0] = nil // handed out: the batch must not keep it alive
	m.cur = m.cur[1:]
	return ev, nil
}

// NextBatch returns the next events from any source, at least one: those
// one source had read at once, in order. A consumer that takes batches
// pays for one queue operation per batch rather than per event; it must
// not mix NextBatch with Next.
func (m *Merge) NextBatch(ctx context.Context) ([]*decode.Event, error) {
	if len(m.cur) > 0 {
		b := m.cur
		m.cur = nil
		return b, nil
	}
	select {
	case b, ok := <-m.out:
		if !ok {
			// Stopped, not ended: the sources quit because the context
			// did, whichever of the two the caller notices first.
			if err := m.ctx.Err(); err != nil {
				return nil, err
			}
			m.mu.Lock()
			defer m.mu.Unlock()
			if m.failed > 0 {
				return nil, &FailedError{Failed: m.failed, Total: m.total}
			}
			return nil, ErrEnded
		}
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Seal says that no more sources will be added from outside; sources that
// add others (a folder watch, a listener) keep the Merge open while they run.
func (m *Merge) Seal() {
	m.mu.Lock()
	if !m.sealed {
		m.sealed = true
		m.doneLocked()
	}
	m.mu.Unlock()
}

// Wait blocks until every source goroutine has returned. Cancel the context
// first: then nothing is reported after Wait returns.
func (m *Merge) Wait() { m.wg.Wait() }

// spawn runs fn as a source goroutine that keeps the Merge open.
func (m *Merge) spawn(fn func()) {
	m.mu.Lock()
	m.live++
	m.mu.Unlock()
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer func() {
			m.mu.Lock()
			m.doneLocked()
			m.mu.Unlock()
		}()
		fn()
	}()
}

func (m *Merge) doneLocked() {
	m.live--
	if m.live == 0 {
		close(m.out)
	}
}

// report hands a status to the callback, unless the Merge is stopping:
// an interrupted qmpwatch has nothing to say about each VM. The address is
// escaped for a terminal here, once for every status line: a socket in a
// watched folder is named by whoever can write there.
func (m *Merge) report(s Status) {
	if m.ctx.Err() != nil {
		return
	}
	s.Addr = safe.String(s.Addr)
	m.statusMu.Lock()
	defer m.statusMu.Unlock()
	m.o.Status(s)
}

// send queues an event, waiting while the queue is full.
func (m *Merge) send(ev *decode.Event) bool { return m.sendBatch([]*decode.Event{ev}) }

// sendBatch queues events of one source, in order, waiting while the queue
// is full.
func (m *Merge) sendBatch(b []*decode.Event) bool {
	select {
	case m.out <- b:
		return true
	case <-m.ctx.Done():
		return false
	}
}

// Fail records a source that could not even start (a glob that matched
// nothing) so that the final error counts it.
func (m *Merge) Fail(addr string, err error) {
	m.mu.Lock()
	m.total++
	m.failed++
	m.mu.Unlock()
	m.report(Status{Kind: Unreachable, Addr: addr, Err: err, Failure: true, At: time.Now()})
}

// session streams one connected client until it ends, with the status and
// markers around it, and returns the error that ended it.
func (m *Merge) session(c *conn.Client, name, note, via string) error {
	label := c.Label()
	now := time.Now()
	m.mu.Lock()
	since, back := m.gone[label]
	delete(m.gone, label)
	m.mu.Unlock()
	st := Status{Kind: Connected, Addr: c.Addr().String(), VM: label, Name: name, QEMU: c.Greeting().Version, Note: note, At: now}
	if back {
		st.Kind, st.Gap = Reconnected, now.Sub(since)
	}
	m.report(st)
	if back && m.o.Markers && !m.send(ReconnectedEvent(label, now, via, st.Gap)) {
		return m.ctx.Err()
	}
	version := c.Greeting().Version
	var shutdown shutdownSeen
	for {
		ev, err := c.Next(m.ctx)
		if err != nil {
			return shutdown.closed(err)
		}
		// Whatever else is already read goes with it, up to MaxBatch:
		// More says whether the next Next would wait for the socket.
		b := make([]*decode.Event, 0, 16)
		for {
			shutdown.observe(ev.Name)
			ev.QEMU = version
			if m.o.Observe != nil {
				m.o.Observe(ev)
			}
			b = append(b, ev)
			if len(b) == MaxBatch || !c.More() {
				break
			}
			if ev, err = c.Next(m.ctx); err != nil {
				break
			}
		}
		if !m.sendBatch(b) {
			return m.ctx.Err()
		}
		if err != nil {
			return shutdown.closed(err)
		}
	}
}

// attach runs Options.Attach on a new session.
func (m *Merge) attach(c *conn.Client) (string, error) {
	if m.o.Attach == nil {
		return "", nil
	}
	return m.o.Attach(c)
}

// ended reports the end of a session; it returns false when the Merge is
// stopping (then nothing more should happen).
func (m *Merge) ended(c *conn.Client, err error, retrying bool) bool {
	if m.ctx.Err() != nil {
		return false
	}
	label, now := c.Label(), time.Now()
	m.mu.Lock()
	m.gone[label] = now
	m.mu.Unlock()
	failure := !errors.Is(err, conn.ErrClosed)
	m.report(Status{Kind: Disconnected, Addr: c.Addr().String(), VM: label, Err: err, Failure: failure, Retrying: retrying, At: now})
	if m.o.Markers {
		return m.send(DisconnectedEvent(label, now, Reason(err)))
	}
	return true
}

// Reason is the part of a connection error worth showing in a marker: the
// cause without the address prefix.
func Reason(err error) string {
	if IsGone(err) {
		return GoneReason
	}
	var ce *conn.Error
	if errors.As(err, &ce) {
		return ce.Err.Error()
	}
	return err.Error()
}

// count records how a source ended, for the final error.
func (m *Merge) count(failed bool) {
	m.mu.Lock()
	m.total++
	if failed {
		m.failed++
	}
	m.mu.Unlock()
}
