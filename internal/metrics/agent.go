package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/safe"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// AgentOptions are serve's: what the metrics count and where they are
// served. The engine comes in as callbacks, so that metrics never imports
// the pipeline.
type AgentOptions struct {
	Options                          // the collector's
	Collector             *Collector // the collector to serve, when the caller made it (New(Options)) for its other sinks
	Addr, TLSCert, TLSKey string
	Configured, Watchers  []string // /healthz's sources (source.Spec's)
	Notes                 io.Writer
	Status                func(source.Status) // also told of every status (serve's stderr line)
	Check                 func(*decode.Event) // checks an event's schema before it is counted
	AttachState           func(*conn.Client) (note string, st track.RunState, ok bool, err error)
}

// Agent is serve's side of a run: the collector, /healthz and the HTTP
// server, fed by a Merge's sources (SourceOptions).
type Agent struct {
	o      AgentOptions
	col    *Collector
	health *Health
	served chan error
	stop   context.CancelFunc
}

// StartAgent binds the HTTP server, serves it in the background and says
// where on Notes.
func StartAgent(ctx context.Context, o AgentOptions) (*Agent, error) {
	a := &Agent{o: o, col: o.Collector, health: NewHealth(o.Configured...), served: make(chan error, 1)}
	if a.col == nil {
		a.col = New(o.Options)
	}
	// Domains and a folder's sockets come and go: one that stops does not
	// make /healthz fail.
	for _, w := range o.Watchers {
		a.health.Watch(w)
	}
	srv, err := Listen(o.Addr, o.TLSCert, o.TLSKey, Handler(a.col, a.health))
	if err != nil {
		return nil, err
	}
	sctx, stop := context.WithCancel(ctx)
	a.stop = stop
	go func() { a.served <- srv.Serve(sctx) }()
	if o.Notes != nil {
		fmt.Fprintf(o.Notes, "qmpwatch: serving metrics on %s\n", safe.String(srv.URL()))
	}
	return a, nil
}

// Also makes /healthz fail while problem reports one (a stuck publisher,
// a deleted --listen socket); a nil problem is nothing to check.
func (a *Agent) Also(problem func() string) {
	if problem != nil {
		a.health.Also(problem)
	}
}

// SetState records a VM's run state (a libvirt domain's, at connect).
func (a *Agent) SetState(vm string, st track.RunState) { a.col.SetState(vm, st) }

// SourceOptions wire a Merge to the agent: every status; the run state
// asked at attach; every event checked and counted in its source's
// goroutine, before any output filter, so that the metrics see everything,
// in parallel across VMs (the engine's one consumer goroutine would count
// every VM's events in turn).
func (a *Agent) SourceOptions(co conn.Options) source.Options {
	return source.Options{
		Conn: co,
		Status: func(st source.Status) {
			if a.o.Status != nil {
				a.o.Status(st)
			}
			a.col.Status(st)
			a.health.Status(st)
		},
		Attach: func(c *conn.Client) (string, error) {
			if a.o.AttachState == nil {
				return "", nil
			}
			note, st, ok, err := a.o.AttachState(c)
			if ok {
				a.col.SetState(c.Label(), st) // a courtesy, as in the note: events still tell it
			}
			return note, err
		},
		Observe: func(ev *decode.Event) {
			if a.o.Check != nil {
				a.o.Check(ev)
			}
			a.col.Observe(ev)
		},
	}
}

// Run runs fn (the engine over the sources) until it ends; the HTTP server
// failing (it should not) ends it too, as a source error would.
func (a *Agent) Run(ctx context.Context, fn func(context.Context) error) error {
	rctx, stopRun := context.WithCancelCause(ctx)
	defer stopRun(nil)
	go func() {
		select {
		case err := <-a.served:
			a.served <- err
			stopRun(err)
		case <-rctx.Done():
		}
	}()
	err := fn(rctx)
	if cause := context.Cause(rctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return err
}

// Close stops the HTTP server and waits for it.
func (a *Agent) Close() {
	a.stop()
	<-a.served
}
