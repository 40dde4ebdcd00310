// Package live feeds the tracking views (jobs, sessions, top) from the
// same source.Merge that watch reads: through the Merge's one connect path
// it reads what already runs at connect and polls job progress while jobs
// run, on the session's own client. It sends only what internal/conn lets
// through: qmp_capabilities and query-* commands.
package live

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/track"
)

// DefaultInterval is how often job progress is polled while a job runs.
const DefaultInterval = time.Second

// Querier sends a query whose reply comes later, from another goroutine
// (conn.Client's QueryAsync).
type Querier interface {
	QueryAsync(cmd string, args any, done func(ret []byte, err error)) error
}

// Progress is one reply of query-block-jobs: the jobs as QEMU saw them at
// At, the tick the query was sent on.
type Progress struct {
	At   time.Time
	Jobs []track.JobInfo
	Err  error
}

// Poller asks query-block-jobs on every tick while it is active, one query
// at a time: a tick that comes while a reply is awaited is skipped, so a
// slow monitor never piles queries up. Replies are at least one tick apart,
// which is what keeps progress records to one per interval per job.
type Poller struct {
	q        Querier
	report   func(Progress)
	active   atomic.Bool
	inflight atomic.Bool
	sent     atomic.Int64 // queries sent, for tests and diagnostics
}

// NewPoller returns an inactive poller that gives each reply to report;
// report runs on the goroutine that reads the connection.
func NewPoller(q Querier, report func(Progress)) *Poller {
	return &Poller{q: q, report: report}
}

// SetActive turns polling on (some job runs) or off (none does). Safe from
// any goroutine.
func (p *Poller) SetActive(on bool) { p.active.Store(on) }

// Sent is how many queries the poller sent.
func (p *Poller) Sent() int64 { return p.sent.Load() }

// Run polls on each tick until ctx ends or the query cannot be sent (the
// connection is gone).
func (p *Poller) Run(ctx context.Context, ticks <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case at := <-ticks:
			if !p.active.Load() || !p.inflight.CompareAndSwap(false, true) {
				continue
			}
			p.sent.Add(1)
			err := p.q.QueryAsync("query-block-jobs", nil, func(ret []byte, err error) {
				pr := Progress{At: at, Err: err}
				if err == nil {
					pr.Jobs, pr.Err = track.ParseBlockJobs(ret)
				}
				p.inflight.Store(false)
				p.report(pr)
			})
			if err != nil {
				return
			}
		}
	}
}
