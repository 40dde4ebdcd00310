package sim

import (
	"context"
	"errors"
	"net"
	"time"
)

// Options tune a Server.
type Options struct {
	// Speed multiplies the recorded pace: 2 plays twice as fast, 0 sends
	// every event as fast as the client reads.
	Speed float64
	// Loop starts the recording again after its last event instead of
	// closing the connection.
	Loop bool
	// MaxGap caps the pause between two events (0: no cap), so a recording
	// with a long quiet spell still moves along.
	MaxGap time.Duration
	// Retime stamps each event with the time it is sent instead of the
	// recorded time.
	Retime bool
	// Name answers query-name when the recording has no reply for it and
	// its events name no VM.
	Name string
	// Once stops serving after the first client's session.
	Once bool
	// Logf receives notices (a client came or went); nil drops them.
	Logf func(format string, args ...any)
}

// Server is a simulated QEMU monitor. Like QEMU, it serves one client at a
// time: a second client's connect succeeds (the socket's backlog holds it),
// but it gets its greeting only when the first client has left.
type Server struct {
	rec *Recording
	o   Options
}

// NewServer returns a server for rec.
func NewServer(rec *Recording, o Options) *Server {
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return &Server{rec: rec, o: o}
}

// Serve accepts clients on ln, one at a time, until ctx is done (it then
// returns nil) or, with Options.Once, until the first session ends.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	defer ln.Close()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		s.o.Logf("client connected")
		err = s.session(ctx, c)
		switch {
		case err != nil && ctx.Err() == nil:
			s.o.Logf("session ended: %v", err)
		default:
			s.o.Logf("session ended")
		}
		if s.o.Once || ctx.Err() != nil {
			return nil
		}
	}
}
