package live

import (
	"time"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// Seed is what a monitor said at connect about what already runs. A
// query QEMU does not know (no SPICE built in) leaves its reply nil.
type Seed struct {
	Jobs     []track.JobInfo // query-jobs, then query-block-jobs, merged by id
	VNC      [][]byte        // query-vnc, query-vnc-servers
	SPICE    []byte          // query-spice
	At       time.Time
	Version  string
	Name     string // -name; "" when QEMU has none
	RunState track.RunState
	// Poller polls this session's job progress; nil in recorded seeds.
	Poller *Poller
}

// seedQueries asks what already runs. Each query is optional: an old QEMU
// or one built without VNC or SPICE answers CommandNotFound, and the view
// then starts from the events alone. Only query-* commands: conn refuses
// any other.
func seedQueries(c *conn.Client, s *Seed) {
	if raw, err := c.Query("query-status", nil); err == nil {
		// The run state is shown, not needed: a monitor that will not say
		// is still tracked, its state unknown until an event tells.
		s.RunState, _ = track.ParseStatus(raw)
	}
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
