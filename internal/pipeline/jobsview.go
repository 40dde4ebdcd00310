package pipeline

import (
	"strconv"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// JobsView shows the block jobs tracker (qmpwatch jobs).
type JobsView struct{ tr *track.Jobs }

// NewJobsView returns a view over a fresh jobs tracker.
func NewJobsView() *JobsView { return &JobsView{tr: track.NewJobs()} }

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
}

// End implements View: every job still running on vm ends at at.
func (v *JobsView) End(vm string, at time.Time, w *TrackWriter) {
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
	r.Lit("speed", j.Speed).Time("start", j.Start).Time("ready", j.Ready).StrOrNull("error", j.Error).StrOrNull("result", j.Result)
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
