package live

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// Options tune Watch.
type Options struct {
	Label           string        // name the VM this instead of its -name
	DialTimeout     time.Duration // 0: conn's default
	GreetingTimeout time.Duration // 0: conn's default
	Interval        time.Duration // job progress polling; 0: DefaultInterval
	Now             func() time.Time
}

// Seed is what a monitor said at connect about what already runs. A
// query QEMU does not know (no SPICE built in) leaves its reply nil.
type Seed struct {
	Jobs       []track.JobInfo // query-jobs, then query-block-jobs, merged by id
	VNC        [][]byte        // query-vnc, query-vnc-servers
	SPICE      []byte          // query-spice
	At         time.Time
	Version    string
	Name       string // -name; "" when QEMU has none
	RunState   track.RunState
	Poller     *Poller
	Connection string // "connected to ... at ..." for the status line
}

// Item is one thing a monitor reports, in order: a Seed first, then events
// and progress, then the end.
type Item struct {
	VM       string
	Seed     *Seed
	Ev       *decode.Event
	Progress *Progress
	Ended    bool
	Err      error  // why it ended, nil for a clean end
	Note     string // a line for the status line or stderr
}

// Watch connects to one monitor and sends its items until it ends or ctx
// is cancelled; send returns false to stop. It never sends a command other
// than qmp_capabilities and query-*: conn refuses any other.
func Watch(ctx context.Context, addr conn.Addr, o Options, send func(Item) bool) {
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	label := addr.DefaultLabel()
	c, err := conn.Dial(ctx, addr, conn.Options{DialTimeout: o.DialTimeout, GreetingTimeout: o.GreetingTimeout})
	if err != nil {
		if ctx.Err() != nil {
			err = nil
		}
		send(Item{VM: label, Ended: true, Err: err})
		return
	}
	defer c.Close()
	name, err := c.VMName()
	if err != nil {
		send(Item{VM: label, Ended: true, Err: err})
		return
	}
	switch {
	case o.Label != "":
		label = o.Label
	case name != "":
		label = name
	}
	c.SetLabel(label)
	seed := &Seed{At: o.Now(), Version: c.Greeting().Version.String(), Name: name}
	// The run state is shown, not needed: a monitor that will not say is
	// still tracked, its state unknown until an event tells.
	if raw, err := c.Query("query-status", nil); err == nil {
		seed.RunState, _ = track.ParseStatus(raw)
	}
	seedQueries(c, seed)
	shown := name
	if shown == "" {
		shown = label + " (no -name)"
	}
	seed.Connection = fmt.Sprintf("connected to %s (QEMU %s, %s) at %s",
		render.Safe(shown), seed.Version, render.Safe(seed.RunState.String()), addr)
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	seed.Poller = NewPoller(c, func(p Progress) {
		send(Item{VM: label, Progress: &p})
	})
	seed.Poller.SetActive(len(seed.Jobs) > 0)
	if !send(Item{VM: label, Seed: seed}) {
		return
	}
	tk := time.NewTicker(o.Interval)
	defer tk.Stop()
	go seed.Poller.Run(pctx, tk.C)
	for {
		ev, err := c.Next(ctx)
		if err != nil {
			it := Item{VM: label, Ended: true, Err: err}
			if ctx.Err() != nil || errors.Is(err, conn.ErrClosed) {
				if ctx.Err() == nil {
					it.Note = render.Safe(label) + ": QEMU closed the connection"
				}
				it.Err = nil
			}
			send(it)
			return
		}
		if !send(Item{VM: label, Ev: ev}) {
			return
		}
	}
}

// seedQueries asks what already runs. Each query is optional: an old QEMU
// or one built without VNC or SPICE answers CommandNotFound, and the view
// then starts from the events alone.
func seedQueries(c *conn.Client, s *Seed) {
	if raw, err := c.Query("query-jobs", nil); err == nil {
		s.Jobs, _ = track.ParseJobs(raw)
	}
	if raw, err := c.Query("query-block-jobs", nil); err == nil {
		if bj, err := track.ParseBlockJobs(raw); err == nil {
			s.Jobs = mergeJobs(s.Jobs, bj)
		}
	}
	for _, q := range []string{"query-vnc", "query-vnc-servers"} {
		if raw, err := c.Query(q, nil); err == nil {
			s.VNC = append(s.VNC, raw)
		}
	}
	if raw, err := c.Query("query-spice", nil); err == nil {
		s.SPICE = raw
	}
}

// mergeJobs lays block-job figures (bytes) over query-jobs' entries.
func mergeJobs(jobs, block []track.JobInfo) []track.JobInfo {
	for _, b := range block {
		found := false
		for i := range jobs {
			if jobs[i].ID == b.ID {
				st := jobs[i].Status
				jobs[i] = b
				if b.Status == "" {
					jobs[i].Status = st
				}
				found = true
			}
		}
		if !found {
			jobs = append(jobs, b)
		}
	}
	// Only jobs still going are worth tracking.
	out := jobs[:0]
	for _, j := range jobs {
		if j.Status != "concluded" && j.Status != "null" {
			out = append(out, j)
		}
	}
	return out
}

// Apply feeds a Seed to the trackers (either may be nil) and returns the
// jobs it added.
func (s *Seed) Apply(vm string, jobs *track.Jobs, sessions *track.Sessions) []*track.Job {
	var seeded []*track.Job
	if jobs != nil {
		seeded = jobs.Seed(vm, s.At, s.Jobs)
	}
	if sessions != nil {
		for _, raw := range s.VNC {
			sessions.SeedVNC(vm, s.At, raw)
		}
		if s.SPICE != nil {
			sessions.SeedSPICE(vm, s.At, s.SPICE)
		}
	}
	return seeded
}
