package pipeline

import (
	"strconv"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/live"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// JobsView shows the block jobs tracker (qmpwatch jobs).
type JobsView struct {
	tr      *track.Jobs
	pollers map[string]*live.Poller // by VM, live sources only
}

// NewJobsView returns a view over a fresh jobs tracker.
func NewJobsView() *JobsView {
	return &JobsView{tr: track.NewJobs(), pollers: map[string]*live.Poller{}}
}

// OnFull implements Bounded.
func (v *JobsView) OnFull(fn func(track.Full)) { v.tr.OnFull(fn) }

// Seed implements Seeder: the jobs running at connect start, and the VM's
// progress is polled while any runs.
func (v *JobsView) Seed(vm string, s *live.Seed, w *TrackWriter) {
	if s.Poller != nil {
		v.pollers[vm] = s.Poller
	}
	for _, j := range s.Apply(vm, v.tr, nil) {
		w.Changed()
		if w.JSON() {
			w.Record(JobRecord(w.Buf(), j, track.Started))
		}
	}
	v.setPolling(vm)
}

// Progress implements Progressor: a progress record per job the poll
// moved on (at most one per interval: the poller waits for each reply).
func (v *JobsView) Progress(vm string, p *live.Progress, w *TrackWriter) {
	if p.Err != nil {
		return // the events still tell how the job goes
	}
	for _, j := range v.tr.Poll(vm, p.At, p.Jobs) {
		w.Changed()
		ch := track.Progressed
		if j.Start.IsZero() && j.Seen.Equal(p.At) {
			ch = track.Started // first seen by this poll, its events not yet
		}
		if w.JSON() {
			w.Record(JobRecord(w.Buf(), j, ch))
		}
	}
	v.setPolling(vm)
}

// setPolling polls vm's progress while it has a job running, and only then.
func (v *JobsView) setPolling(vm string) {
	if p := v.pollers[vm]; p != nil {
		p.SetActive(v.tr.RunningOn(vm))
	}
}

// Observe implements View: a record per change.
func (v *JobsView) Observe(ev *decode.Event, w *TrackWriter) {
	j, ch := v.tr.Observe(ev)
	if ch == track.NoChange {
		return
	}
	w.Changed()
	if w.JSON() {
		w.Record(JobRecord(w.Buf(), j, ch))
	}
	v.setPolling(ev.VM)
}

// End implements View: every job still running on vm ends at at.
func (v *JobsView) End(vm string, at time.Time, w *TrackWriter) {
	delete(v.pollers, vm) // its session, and so its poller, is over
	for _, j := range v.tr.EndAll(vm, at) {
		if w.JSON() {
			w.Record(JobRecord(w.Buf(), j, track.Ended))
		}
	}
}

// JobRecord appends a job as a JSON object: see docs/sessions.md. Sizes
// are 64-bit: they are written exactly as QEMU sent them.
func JobRecord(dst []byte, j *track.Job, ch track.Change) []byte {
	r := render.NewRecord(dst).StrOrNull("change", ch.String()).StrOrNull("vm", j.VM).StrOrNull("id", j.ID).
		StrOrNull("type", j.Type).StrOrNull("status", j.Status).Lit("offset", j.Offset).Lit("len", j.Len)
	if p, ok := j.Percent(); ok {
		r.Float("percent", p, 1)
	} else {
		r.Null("percent")
	}
	r.Lit("speed", j.Speed)
	if rate, ok := j.Rate(); ok && !j.Ended {
		r.Lit("rate", strconv.FormatInt(int64(rate+0.5), 10))
	} else {
		r.Null("rate")
	}
	if d, ok := j.ETA(); ok {
		r.Float("eta", d.Seconds(), 1)
	} else {
		r.Null("eta")
	}
	r.Time("start", j.Start).Time("ready", j.Ready).StrOrNull("error", j.Error).StrOrNull("result", j.Result)
	if j.Ended {
		r.Time("end", j.End)
	} else {
		r.Null("end")
	}
	return r.Bytes()
}

var jobColumns = []string{"VM", "JOB", "TYPE", "STATUS", "PROGRESS", "SPEED", "READY", "ERROR", "RESULT"}

// Table implements View.
func (v *JobsView) Table(dst []byte, w *TrackWriter) []byte {
	dst = w.StateLines(dst)
	rows := [][]string{jobColumns}
	for _, j := range v.tr.List() {
		progress := "-"
		if j.Offset != "" && j.Len != "" {
			progress = j.Offset + "/" + j.Len
			if p, ok := j.Percent(); ok {
				progress += " (" + strconv.FormatFloat(p, 'f', 1, 64) + "%)"
			}
		}
		speed := j.Speed
		if speed == "0" {
			speed = "unlimited"
		}
		rows = append(rows, []string{j.VM, j.ID, render.OrDash(j.Type), render.OrDash(j.Status), progress, render.OrDash(speed),
			w.Time(j.Ready), render.OrDash(j.Error), render.OrDash(j.Result)})
	}
	if len(rows) == 1 {
		return append(dst, "no block jobs\n"...)
	}
	return w.Table(dst, rows)
}
