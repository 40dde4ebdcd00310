package track

import (
	"math/big"
	"sort"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// Job is one block job (mirror, stream, commit, backup) of a VM, by id.
type Job struct {
	VM     string
	ID     string    // the job id: JOB_STATUS_CHANGE's id, BLOCK_JOB_*'s device
	Type   string    // mirror, stream, commit, backup; "" until a BLOCK_JOB_* event says
	Status string    // QEMU's JobStatus (created, running, ready, paused, concluded, ...)
	Offset string    // bytes done, the exact literal; "" when unknown
	Len    string    // bytes to do, the exact literal
	Speed  string    // the speed limit in bytes/s, 0 for none
	Start  time.Time // the first event of the job; zero when it ran before the watch
	Seen   time.Time // when a query at connect found it already running
	Ready  time.Time // BLOCK_JOB_READY: a mirror may be completed from now on
	Error  string    // the last error: "write error (stop)" or COMPLETED's error text
	Result string    // how it ended: completed, failed, cancelled, dismissed; "" while running
	End    time.Time
	Ended  bool

	prev, last sample // the last two readings of Offset, for Rate
	gone       bool   // trimmed: no longer listed
}

// Percent is Offset/Len in percent, exact enough for display; ok is false
// when either is unknown or Len is zero.
func (j *Job) Percent() (float64, bool) {
	off, ok1 := new(big.Rat).SetString(j.Offset)
	n, ok2 := new(big.Rat).SetString(j.Len)
	if !ok1 || !ok2 || j.Offset == "" || j.Len == "" || n.Sign() == 0 {
		return 0, false
	}
	p, _ := new(big.Rat).Mul(new(big.Rat).Quo(off, n), big.NewRat(100, 1)).Float64()
	return p, true
}

// Jobs tracks the block jobs of any number of VMs.
type Jobs struct {
	// byID holds open jobs and ended ones not yet dismissed: after
	// BLOCK_JOB_COMPLETED, QEMU still sends JOB_STATUS_CHANGE concluded and
	// null for the job, which must not start a new one.
	byID  map[jobKey]*Job
	order []*Job // open and recently ended, by start
	keep  int    // how many ended jobs are kept (KeepEnded unless told)
	// So that no event walks every job: the open jobs per VM (at most
	// MaxOpen each) and in all, the kept ended jobs by end, and how many
	// of order are gone (trimmed, not yet swept out).
	open  map[string]int
	nOpen int
	ended []*Job
	nGone int
	fullNotes
}

type jobKey struct{ vm, id string }

// NewJobs returns an empty tracker.
func NewJobs() *Jobs { return &Jobs{byID: map[jobKey]*Job{}, keep: KeepEnded, open: map[string]int{}} }

// KeepEndedAtMost keeps fewer ended jobs than a table shows (KeepEnded),
// for a user that only counts (serve's metrics). Keep a few: the epilogue
// QEMU sends after a job's end (JOB_STATUS_CHANGE concluded, null) must
// find the ended job, or it would look like a new one.
func (t *Jobs) KeepEndedAtMost(n int) {
	t.keep = max(n, 0)
	for len(t.ended) > t.keep {
		t.trim(t.ended[0])
		t.ended = t.ended[1:]
	}
}

// List returns the jobs still open and the most recent KeepEnded that ended,
// by VM, then start order.
func (t *Jobs) List() []*Job {
	out := make([]*Job, 0, len(t.order)-t.nGone)
	for _, j := range t.order {
		if !j.gone {
			out = append(out, j)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].VM < out[j].VM })
	return out
}

// Observe feeds one event. A job's changes are reported: Started at first
// sight, Updated when anything shown changed, Ended when it is over.
func (t *Jobs) Observe(ev *decode.Event) (*Job, Change) {
	var id string
	d := ev.Data()
	switch ev.Name {
	case "JOB_STATUS_CHANGE":
		id = d.Str("id")
	case "BLOCK_JOB_READY", "BLOCK_JOB_COMPLETED", "BLOCK_JOB_CANCELLED", "BLOCK_JOB_ERROR", "BLOCK_JOB_PENDING":
		id = d.Str("device")
		if id == "" {
			id = d.Str("id") // BLOCK_JOB_PENDING names it id
		}
	default:
		return nil, NoChange
	}
	k := jobKey{ev.VM, id}
	j := t.byID[k]
	if j != nil && j.Ended {
		st := d.Str("status")
		if ev.Name != "JOB_STATUS_CHANGE" || st == "created" {
			j = nil // the id was reused for a new job
		} else {
			// The epilogue (concluded, null) of a job already reported
			// as ended: its status stays "concluded" for the table.
			if st == "null" {
				delete(t.byID, k)
			}
			return j, NoChange
		}
	}
	change := Updated
	var before Job
	if j != nil {
		before = *j
	}
	if j == nil {
		if t.open[ev.VM] >= MaxOpen && !endsJob(ev.Name, d) {
			t.say(ev.VM, FullJobs, MaxOpen)
			return nil, NoChange
		}
		j = &Job{VM: ev.VM, ID: id, Start: ev.Time()}
		t.add(k, j)
		change = Started
	}
	if typ := d.Str("type"); typ != "" {
		j.Type = typ
	}
	for _, f := range [...]struct {
		key string
		dst *string
	}{{"offset", &j.Offset}, {"len", &j.Len}, {"speed", &j.Speed}} {
		if v, ok := d.Get(f.key); ok && v.Kind == decode.Number {
			*f.dst = v.Text
		}
	}
	j.note(ev.Time())
	end := ""
	switch ev.Name {
	case "JOB_STATUS_CHANGE":
		st := d.Str("status")
		j.Status = st
		if st == "null" {
			end = "dismissed" // gone without a BLOCK_JOB_* verdict (non-block jobs)
		}
	case "BLOCK_JOB_READY":
		j.Status, j.Ready = "ready", ev.Time()
	case "BLOCK_JOB_PENDING":
		j.Status = "pending"
	case "BLOCK_JOB_ERROR":
		j.Error = d.Str("operation") + " error (" + d.Str("action") + ")"
		if d.Str("action") == "stop" {
			j.Status = "paused"
		}
	case "BLOCK_JOB_COMPLETED":
		end = "completed"
		if e := d.Str("error"); e != "" {
			j.Error, end = e, "failed"
		}
	case "BLOCK_JOB_CANCELLED":
		end = "cancelled"
	}
	if end != "" {
		if j.Result == "" {
			j.Result = end
		}
		t.end(j, ev.Time())
		if j.Status != "null" {
			j.Status = "concluded" // QEMU's next JOB_STATUS_CHANGE says so
		}
		if j.Status == "null" {
			delete(t.byID, k)
		}
		return j, Ended
	}
	if change == Updated && sameShown(j, &before) {
		return j, NoChange // a repeat (QEMU sends BLOCK_JOB_ERROR per failed request)
	}
	return j, change
}

// EndAll marks the open jobs of vm as lost (its connection or log ended).
func (t *Jobs) EndAll(vm string, at time.Time) []*Job {
	var out []*Job
	for k, j := range t.byID {
		if k.vm != vm {
			continue
		}
		delete(t.byID, k)
		if !j.Ended {
			j.Result = "unknown (stream ended)"
			t.end(j, at)
			out = append(out, j)
		}
	}
	t.forget(vm)
	sort.Slice(out, func(i, k int) bool { return out[i].Start.Before(out[k].Start) })
	return out
}

// add tracks a new open job.
func (t *Jobs) add(k jobKey, j *Job) {
	t.byID[k] = j
	t.order = append(t.order, j)
	t.open[j.VM]++
	t.nOpen++
}

// end marks an open job ended at at: it joins the kept ended jobs, and
// the oldest of those beyond t.keep is trimmed.
func (t *Jobs) end(j *Job, at time.Time) {
	j.Ended, j.End = true, at
	if t.open[j.VM]--; t.open[j.VM] <= 0 {
		delete(t.open, j.VM)
	}
	t.nOpen--
	t.ended = append(t.ended, j)
	for len(t.ended) > t.keep {
		t.trim(t.ended[0])
		t.ended = append(t.ended[:0], t.ended[1:]...)
	}
}

// endsJob says whether an event about a job not tracked would end it at
// once: then it is reported even when its VM has MaxOpen open jobs.
func endsJob(name string, d decode.Value) bool {
	return name == "BLOCK_JOB_COMPLETED" || name == "BLOCK_JOB_CANCELLED" ||
		(name == "JOB_STATUS_CHANGE" && d.Str("status") == "null")
}

// trim forgets an ended job. Its slot in order is swept out once half
// the slots are gone, so that ending a job is not a walk of every job.
func (t *Jobs) trim(j *Job) {
	j.gone = true
	if k := (jobKey{j.VM, j.ID}); t.byID[k] == j {
		delete(t.byID, k)
	}
	t.nGone++
	if t.nGone <= 16 || t.nGone*2 <= len(t.order) {
		return
	}
	keep := t.order[:0]
	for _, o := range t.order {
		if !o.gone {
			keep = append(keep, o)
		}
	}
	clear(t.order[len(keep):])
	t.order, t.nGone = keep, 0
}

// sameShown compares what a table shows of two readings of a job; the rate
// samples are not shown on their own.
func sameShown(a, b *Job) bool {
	x, y := *a, *b
	x.prev, x.last, y.prev, y.last = sample{}, sample{}, sample{}, sample{}
	return x == y
}
