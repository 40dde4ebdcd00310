package track

import (
	"fmt"
	"strconv"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// Progressed is the change a poll of query-block-jobs reports for a job
// whose offset, length or speed moved: the "progress" record of -o json.
const Progressed Change = Ended + 1

// sample is one reading of a job's offset.
type sample struct {
	at     time.Time
	offset uint64
}

// Rate is the job's speed over the last interval between two readings of
// its offset (polls or events), in bytes per second; ok is false until two
// readings with time between them exist.
func (j *Job) Rate() (float64, bool) {
	if j.prev.at.IsZero() || !j.last.at.After(j.prev.at) || j.last.offset < j.prev.offset {
		return 0, false
	}
	return float64(j.last.offset-j.prev.offset) / j.last.at.Sub(j.prev.at).Seconds(), true
}

// ETA is how long the job needs for the rest at its last rate; ok is false
// when the rate is unknown or zero, or the job is not running.
func (j *Job) ETA() (time.Duration, bool) {
	r, ok := j.Rate()
	off, ok1 := parseSize(j.Offset)
	n, ok2 := parseSize(j.Len)
	if !ok || !ok1 || !ok2 || r <= 0 || j.Ended || off > n {
		return 0, false
	}
	return time.Duration(float64(n-off) / r * float64(time.Second)), true
}

// Elapsed is how long the job has run: until its end, or until now.
func (j *Job) Elapsed(now time.Time) time.Duration {
	start, _ := j.Since()
	if start.IsZero() {
		return 0
	}
	end := now
	if j.Ended {
		end = j.End
	}
	if end.Before(start) {
		return 0
	}
	return end.Sub(start)
}

// Sizes returns the offset and length as numbers; ok is false when either
// is unknown or not a size.
func (j *Job) Sizes() (offset, length uint64, ok bool) {
	off, ok1 := parseSize(j.Offset)
	n, ok2 := parseSize(j.Len)
	return off, n, ok1 && ok2
}

func parseSize(lit string) (uint64, bool) {
	n, err := strconv.ParseUint(lit, 10, 64)
	return n, err == nil
}

// note records a reading of the offset for the rate.
func (j *Job) note(at time.Time) {
	off, ok := parseSize(j.Offset)
	if !ok || at.IsZero() || (!j.last.at.IsZero() && !at.After(j.last.at)) {
		return
	}
	j.prev, j.last = j.last, sample{at: at, offset: off}
}

// Running reports whether any job is still open: then progress is worth
// polling for.
func (t *Jobs) Running() bool { return t.Open() > 0 }

// Open counts the jobs still open, of every VM.
func (t *Jobs) Open() int { return t.nOpen }

// RunningOn reports whether vm has a job still open.
func (t *Jobs) RunningOn(vm string) bool { return t.open[vm] > 0 }

// JobInfo is one job as query-block-jobs or query-jobs describes it.
type JobInfo struct {
	ID     string // block jobs: device (the job id); query-jobs: id
	Type   string
	Status string
	Offset string // exact literals; "" when not given
	Len    string
	Speed  string
}

// ParseBlockJobs reads the return of query-block-jobs: an array of
// BlockJobInfo. Sizes stay the exact literals QEMU sent.
func ParseBlockJobs(ret []byte) ([]JobInfo, error) {
	return parseJobs("query-block-jobs", ret, "device", "offset", "len")
}

// ParseJobs reads the return of query-jobs: an array of JobInfo, whose
// progress is current-progress of total-progress.
func ParseJobs(ret []byte) ([]JobInfo, error) {
	return parseJobs("query-jobs", ret, "id", "current-progress", "total-progress")
}

func parseJobs(cmd string, ret []byte, idKey, offKey, lenKey string) ([]JobInfo, error) {
	v, err := decode.Parse(ret)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cmd, err)
	}
	if v.Kind != decode.Array {
		return nil, fmt.Errorf("%s: want an array, got %s", cmd, v.Kind)
	}
	out := make([]JobInfo, 0, len(v.Items))
	for _, it := range v.Items {
		ji := JobInfo{ID: it.Str(idKey), Type: it.Str("type"), Status: it.Str("status")}
		if ji.ID == "" {
			continue
		}
		for _, f := range [...]struct {
			key string
			dst *string
		}{{offKey, &ji.Offset}, {lenKey, &ji.Len}, {"speed", &ji.Speed}} {
			if n, ok := it.Get(f.key); ok && n.Kind == decode.Number {
				*f.dst = n.Text
			}
		}
		out = append(out, ji)
	}
	return out, nil
}

// Seed adds the jobs that already ran when the watch began (query-jobs and
// query-block-jobs at connect) and returns the new ones. Their start is
// unknown: Start stays zero, Seen is when they were found.
func (t *Jobs) Seed(vm string, at time.Time, infos []JobInfo) []*Job {
	var out []*Job
	for _, in := range infos {
		k := jobKey{vm, in.ID}
		j := t.byID[k]
		if j == nil {
			if t.open[vm] >= MaxOpen {
				t.say(vm, FullJobs, MaxOpen)
				continue
			}
			j = &Job{VM: vm, ID: in.ID, Seen: at}
			t.add(k, j)
			out = append(out, j)
		}
		j.apply(in, at)
	}
	return out
}

// apply takes what a query said of the job.
func (j *Job) apply(in JobInfo, at time.Time) {
	if in.Type != "" && (j.Type == "" || in.Offset != "") {
		j.Type = in.Type // query-jobs says "mirror" too; block jobs win
	}
	if in.Status != "" && !j.Ended {
		j.Status = in.Status
	}
	if in.Offset != "" {
		j.Offset = in.Offset
	}
	if in.Len != "" {
		j.Len = in.Len
	}
	if in.Speed != "" {
		j.Speed = in.Speed
	}
	j.note(at)
}

// Poll takes a reply of query-block-jobs for vm, read at time at, and
// returns the open jobs whose offset, length, speed or status moved since
// the last reading. A job the reply names that is not tracked yet (it
// started while its events were in flight) is added. Jobs not in the reply
// are left to their events, which say how they ended.
func (t *Jobs) Poll(vm string, at time.Time, infos []JobInfo) []*Job {
	var out []*Job
	for _, in := range infos {
		j := t.byID[jobKey{vm, in.ID}]
		if j == nil {
			out = append(out, t.Seed(vm, at, []JobInfo{in})...)
			continue
		}
		if j.Ended {
			continue
		}
		before := [...]string{j.Offset, j.Len, j.Speed, j.Status}
		j.apply(in, at)
		if before != [...]string{j.Offset, j.Len, j.Speed, j.Status} {
			out = append(out, j)
		}
	}
	return out
}
