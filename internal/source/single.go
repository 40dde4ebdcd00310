package source

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// Single is the Source of one connected client, for a plain `watch
// ADDRESS`: no redial, no markers, and its failures are returned rather
// than counted. QEMU closing the connection is reported as a Disconnected
// status and ends the stream with io.EOF.
type Single struct {
	c        *conn.Client
	qemu     decode.Version // the greeting's, stamped on every event
	status   func(Status)
	shutdown shutdownSeen

	mu    sync.Mutex
	ended *Status // the end, until Ended reports it
}

// NewSingle streams c's events; status (which may be nil) hears how the
// session ended when QEMU closed it.
func NewSingle(c *conn.Client, status func(Status)) *Single {
	if status == nil {
		status = func(Status) {}
	}
	return &Single{c: c, qemu: c.Greeting().Version, status: status}
}

// Next implements Source.
func (s *Single) Next(ctx context.Context) (*decode.Event, error) {
	ev, err := s.c.Next(ctx)
	if err == nil {
		ev.QEMU = s.qemu
		s.shutdown.observe(ev.Name)
		return ev, nil
	}
	return nil, s.end(ctx, err)
}

// NextBatch implements Batcher: the next event, and those already read
// after it (conn.Client.More), up to MaxBatch. An error after some events
// is returned by the next call.
func (s *Single) NextBatch(ctx context.Context) ([]*decode.Event, error) {
	ev, err := s.Next(ctx)
	if err != nil {
		return nil, err
	}
	b := make([]*decode.Event, 1, 16)
	b[0] = ev
	for len(b) < MaxBatch && s.c.More() {
		ev, err := s.c.Next(ctx)
		if err != nil {
			break // More saw the end: the next call meets it again
		}
		ev.QEMU = s.qemu
		s.shutdown.observe(ev.Name)
		b = append(b, ev)
	}
	return b, nil
}

// end turns the error that ended the client's stream into the Source's.
func (s *Single) end(ctx context.Context, err error) error {
	if errors.Is(err, conn.ErrClosed) && ctx.Err() == nil {
		// Said by Ended, not here: Next runs ahead of the output, and
		// "QEMU closed the connection" must follow the last event shown.
		err = s.shutdown.closed(err)
		s.mu.Lock()
		s.ended = &Status{Kind: Disconnected, Addr: s.c.Addr().String(), VM: s.c.Label(), Err: err, At: time.Now()}
		s.mu.Unlock()
		return io.EOF
	}
	return err
}

// Ended reports how the session ended, once, after the consumer has written
// every event before the end (see Ender).
func (s *Single) Ended() {
	s.mu.Lock()
	st := s.ended
	s.ended = nil
	s.mu.Unlock()
	if st != nil {
		s.status(*st)
	}
}
