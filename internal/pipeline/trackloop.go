package pipeline

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/logfile"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// Tracker runs a View over events: live, from the same merged sources that
// watch reads (addresses, globs, --dir, --reconnect), or from logs.
type Tracker struct {
	w    *TrackWriter
	v    View
	q    chan trackItem
	done chan struct{} // closed when Run returns: statuses stop queueing

	mu    sync.Mutex
	seeds map[string]track.RunState // VM label → run state at connect
}

// trackItem is one thing the loop hears: an event, a VM's run state at
// connect, or the end of the merged stream.
type trackItem struct {
	ev   *decode.Event
	vm   string
	seed *track.RunState
	err  error
}

// NewTracker returns a tracker that shows v as o says.
func NewTracker(o TrackOptions, v View) *Tracker {
	return &Tracker{w: NewTrackWriter(o), v: v, q: make(chan trackItem, source.QueueSize),
		done: make(chan struct{}), seeds: map[string]track.RunState{}}
}

// SourceOptions are the options of the source.Merge that feeds this
// tracker: status lines go to print (from the sources' goroutines), each
// VM's run state is asked for at connect, and the Merge puts its markers in
// the stream, for the loop to know when a VM's stream ended (the markers
// are never shown).
func (t *Tracker) SourceOptions(print func(string), co conn.Options) source.Options {
	return source.Options{
		Conn:    co,
		Markers: true,
		Attach: func(c *conn.Client) (string, error) {
			// The run state is shown, not needed: a monitor that will not
			// say is still tracked, its state unknown until an event tells.
			st, _ := QueryRunState(c)
			t.mu.Lock()
			t.seeds[c.Label()] = st
			t.mu.Unlock()
			return ", " + render.Safe(st.String()), nil
		},
		Status: func(st source.Status) {
			print(StatusLine(st))
			if st.Kind != source.Connected && st.Kind != source.Reconnected {
				return
			}
			t.mu.Lock()
			seed := t.seeds[st.VM]
			t.mu.Unlock()
			// Queued before the session's first event is: the state
			// comes first.
			select {
			case t.q <- trackItem{vm: st.VM, seed: &seed}:
			case <-t.done:
			}
		},
	}
}

// Run feeds the view from src (a Merge built with SourceOptions) until
// src ends or ctx is done, showing changes as they come. It ends with
// Reported when a source failed (each failure was reported as a status).
func (t *Tracker) Run(ctx context.Context, src source.Source) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer close(t.done)
	go func() {
		for {
			ev, err := src.Next(ctx)
			select {
			case t.q <- trackItem{ev: ev, err: err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	if t.w.o.Live {
		t.w.dirty = true
		t.w.Flush(t.v)
	}
	err := t.loop(ctx)
	if cerr := t.w.Close(t.v); err == nil {
		err = cerr
	}
	return err
}

func (t *Tracker) loop(ctx context.Context) error {
	for {
		var it trackItem
		select {
		case it = <-t.q:
		default:
			if err := t.w.Flush(t.v); err != nil {
				return err
			}
			select {
			case it = <-t.q:
			case <-ctx.Done():
				return nil
			}
		}
		switch {
		case it.seed != nil:
			t.w.Seed(it.vm, *it.seed)
		case it.err != nil:
			if err := t.w.Flush(t.v); err != nil {
				return err
			}
			return endOfStream(ctx, it.err)
		case it.ev.Name == source.EventDisconnected:
			t.w.End(t.v, it.ev.VM, time.Now())
		case it.ev.Name == source.EventReconnected:
		default:
			t.w.Feed(t.v, it.ev)
		}
	}
}

// Replay feeds the view from logs, one after the other ("-" is o.Stdin),
// then writes the table (or, in json, the records). A transcript's
// query-status reply seeds its VM's run state, as a live connection would.
func (t *Tracker) Replay(ctx context.Context, names []string, o source.LogOptions) error {
	defer close(t.done)
	for _, name := range names {
		if err := t.replayOne(ctx, name, o); err != nil {
			t.w.Close(t.v)
			return err
		}
	}
	return t.w.Close(t.v)
}

func (t *Tracker) replayOne(ctx context.Context, name string, o source.LogOptions) error {
	label := o.Label
	if label == "" {
		label = logfile.DefaultLabel(name)
	}
	o.OnMessage = func(m *decode.Message) {
		if m.Kind == decode.MsgReturn && isQueryStatus(m.Return) {
			if st, err := track.ParseStatus(m.Return); err == nil {
				t.w.Seed(label, st)
			}
		}
	}
	logs, err := source.OpenLogs([]string{name}, o)
	if err != nil {
		return err
	}
	defer logs.Close()
	for {
		ev, err := logs.Next(ctx)
		if err != nil {
			if errors.Is(err, io.EOF) || ctx.Err() != nil {
				return nil
			}
			return err
		}
		t.w.Feed(t.v, ev)
	}
}

// isQueryStatus reports whether a reply is query-status's.
func isQueryStatus(ret []byte) bool {
	v, err := decode.Parse(ret)
	if err != nil {
		return false
	}
	_, ok1 := v.Get("status")
	_, ok2 := v.Get("running")
	return ok1 && ok2
}
