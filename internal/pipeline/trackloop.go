package pipeline

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/live"
	"github.com/qmpwatch/qmpwatch/internal/logfile"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// Tracker runs a View over events: live, from the same merged sources that
// watch reads (addresses, globs, --dir, --reconnect) through a live.Feed,
// or from logs.
type Tracker struct {
	w     *TrackWriter
	v     View
	q     chan live.Item
	done  chan struct{} // closed when Run returns: the feed stops queueing
	feed  *live.Feed
	print func(string) // status lines; set before the sources start
}

// Seeder is a View that takes what already ran at connect (jobs, sessions).
type Seeder interface {
	Seed(vm string, s *live.Seed, w *TrackWriter)
}

// Progressor is a View that takes polled job progress.
type Progressor interface {
	Progress(vm string, p *live.Progress, w *TrackWriter)
}

// Bounded is a View whose tracker has bounds (track.MaxOpen): a VM that
// reaches one is said on TrackOptions.Notices.
type Bounded interface {
	OnFull(fn func(track.Full))
}

// NewTracker returns a tracker that shows v as o says.
func NewTracker(o TrackOptions, v View) *Tracker {
	t := &Tracker{w: NewTrackWriter(o), v: v, q: make(chan live.Item, source.QueueSize), done: make(chan struct{})}
	if b, ok := v.(Bounded); ok {
		b.OnFull(t.w.full)
	}
	_, poll := v.(Progressor)
	t.feed = live.NewFeed(live.Options{Poll: poll, Interval: o.Interval}, func(it live.Item) bool {
		if it.Status != nil && t.print != nil {
			t.print(StatusLine(*it.Status))
		}
		select {
		case t.q <- it:
			return true
		case <-t.done:
			return false
		}
	})
	return t
}

// SourceOptions are the options of the source.Merge that feeds this
// tracker (its live.Feed's): status lines go to print (from the sources'
// goroutines), each session is seeded at connect (run state, and for a
// Seeder what already runs), and for a Progressor job progress is polled
// every TrackOptions.Interval while a job runs.
func (t *Tracker) SourceOptions(print func(string), co conn.Options) source.Options {
	t.print = print
	return t.feed.SourceOptions(co)
}

// SeedAtConnect sets the run state a VM is shown with when its Connected
// status comes, for sources that learn it without a QMP client (libvirt
// reports each domain's state itself); call it before the source reports.
func (t *Tracker) SeedAtConnect(vm string, st track.RunState) {
	t.feed.SeedState(vm, st)
}

// Run feeds the view from src (a Merge built with SourceOptions) until
// src ends or ctx is done, showing changes as they come. It ends with
// Reported when a source failed (each failure was reported as a status).
func (t *Tracker) Run(ctx context.Context, src source.Source) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer close(t.done)
	go t.feed.Run(ctx, src)
	err := t.loop(ctx)
	if cerr := t.w.Close(t.v); err == nil {
		err = cerr
	}
	return err
}

func (t *Tracker) loop(ctx context.Context) error {
	for {
		var it live.Item
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
		case it.Seed != nil:
			t.w.Seed(it.VM, it.Seed.RunState)
			if s, ok := t.v.(Seeder); ok {
				s.Seed(it.VM, it.Seed, t.w)
			}
		case it.Progress != nil:
			if p, ok := t.v.(Progressor); ok {
				p.Progress(it.VM, it.Progress, t.w)
			}
		case it.Final:
			if err := t.w.Flush(t.v); err != nil {
				return err
			}
			return endOfStream(ctx, it.Err)
		case it.Ended:
			t.w.End(t.v, it.VM, time.Now())
		case it.Ev != nil:
			t.w.Feed(t.v, it.Ev)
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
	logs, err := source.OpenLogs(ctx, []string{name}, o)
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
