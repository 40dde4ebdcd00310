package live

import (
	"context"
	"sync"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/safe"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// Options tune a Feed.
type Options struct {
	// Poll polls job progress (query-block-jobs every Interval) while a
	// view says a job runs; false for views that show no jobs.
	Poll     bool
	Interval time.Duration    // 0: DefaultInterval
	Now      func() time.Time // the clock of seeds; time.Now when nil
}

// Item is one thing the Feed reports, in order per VM: a Status with its
// Seed at connect, then events and progress, then Ended; Final comes once,
// last, when the merged stream ends.
type Item struct {
	VM       string
	Status   *source.Status // a connection change, for the status line
	Seed     *Seed          // with a Connected or Reconnected status
	Ev       *decode.Event
	Progress *Progress
	Ended    bool  // the VM's session ended: what was open there is over
	Err      error // Ended: why, nil for a clean end; Final: how the stream ended
	Final    bool  // the merged stream ended; nothing follows
}

// Feed turns a source.Merge into Items for a tracking view: it adds to the
// Merge's one connect path (through Options.Attach) what the views need at
// connect (run state, running jobs, open sessions) and the polling of job
// progress on the same client, and reads the merged stream. It sends only
// what internal/conn lets through: qmp_capabilities and query-*.
type Feed struct {
	o      Options
	send   func(Item) bool
	ctx    context.Context // the pollers' parent, ended by Run's end
	cancel context.CancelFunc

	mu     sync.Mutex
	seeds  map[string]*Seed              // by address: from Attach to its status
	states map[string]track.RunState     // by VM: from SeedState to its status
	stops  map[string]context.CancelFunc // by address: the session's poller
	errs   map[string]error              // by VM: why its session failed, until its marker
}

// NewFeed returns a Feed that gives its items to send, which returns false
// to stop. send is called from the sources' goroutines and from Run's, one
// call at a time per VM; it may block (a bounded queue) but must not call
// back into the Merge.
func NewFeed(o Options, send func(Item) bool) *Feed {
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Feed{o: o, send: send, ctx: ctx, cancel: cancel,
		seeds: map[string]*Seed{}, states: map[string]track.RunState{}, stops: map[string]context.CancelFunc{}, errs: map[string]error{}}
}

// SourceOptions are the options of the Merge this Feed reads: co for every
// connection, markers on (they tell when a VM's session ended; they are
// never shown), Attach seeding each new session, Status turned into items.
// Add the sources the command line names to the Merge as usual.
func (f *Feed) SourceOptions(co conn.Options) source.Options {
	return source.Options{Conn: co, Markers: true, Attach: f.attach, Status: f.status}
}

// attach asks a new session what already runs and starts its poller.
func (f *Feed) attach(c *conn.Client) (string, error) {
	s := &Seed{At: f.o.Now(), Version: c.Greeting().Version.String()}
	seedQueries(c, s)
	label, addr := c.Label(), c.Addr().String()
	if f.o.Poll {
		s.Poller = NewPoller(c, func(p Progress) { f.send(Item{VM: label, Progress: &p}) })
		s.Poller.SetActive(len(s.Jobs) > 0)
		ctx, stop := context.WithCancel(f.ctx)
		go func() {
			tk := time.NewTicker(f.o.Interval)
			defer tk.Stop()
			s.Poller.Run(ctx, tk.C)
		}()
		f.mu.Lock()
		if old := f.stops[addr]; old != nil {
			old()
		}
		f.stops[addr] = stop
		f.mu.Unlock()
	}
	f.mu.Lock()
	f.seeds[addr] = s
	f.mu.Unlock()
	return ", " + safe.String(s.RunState.String()), nil
}

// SeedState sets the run state a VM starts with when its Connected status
// comes, for sources that learn it without a QMP client to ask (libvirt
// reports each domain's state itself). Call it before the source reports.
func (f *Feed) SeedState(vm string, st track.RunState) {
	f.mu.Lock()
	f.states[vm] = st
	f.mu.Unlock()
}

// status reports a connection change; at connect, with the session's seed.
func (f *Feed) status(st source.Status) {
	it := Item{VM: st.VM, Status: &st}
	f.mu.Lock()
	switch st.Kind {
	case source.Connected, source.Reconnected:
		if s := f.seeds[st.Addr]; s != nil {
			delete(f.seeds, st.Addr)
			s.Name = st.Name
			it.Seed = s
		} else if rs, ok := f.states[st.VM]; ok {
			delete(f.states, st.VM)
			it.Seed = &Seed{At: f.o.Now(), Name: st.Name, Version: st.QEMU.String(), RunState: rs}
		}
	case source.Disconnected:
		if stop := f.stops[st.Addr]; stop != nil {
			stop()
			delete(f.stops, st.Addr)
		}
		if st.Failure {
			f.errs[st.VM] = st.Err
		}
	}
	f.mu.Unlock()
	f.send(it)
}

// Run reads src (a Merge built with SourceOptions) until it ends or ctx is
// done, and sends its events, the end of each VM's session and, last, a
// Final item with how the stream ended. Its end stops every poller.
func (f *Feed) Run(ctx context.Context, src source.Source) {
	defer f.cancel()
	for {
		ev, err := src.Next(ctx)
		var it Item
		switch {
		case err != nil:
			it = Item{Final: true, Err: err}
		case ev.Name == source.EventDisconnected:
			f.mu.Lock()
			it = Item{VM: ev.VM, Ended: true, Err: f.errs[ev.VM]}
			delete(f.errs, ev.VM)
			f.mu.Unlock()
		case ev.Name == source.EventReconnected:
			continue // its status said it
		default:
			it = Item{VM: ev.VM, Ev: ev}
		}
		if !f.send(it) || it.Final {
			return
		}
	}
}
