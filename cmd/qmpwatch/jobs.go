package main

import (
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/live"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

func newJobsCmd(a *app) *cobra.Command {
	o := &trackOptions{}
	cmd := &cobra.Command{
		Use:   "jobs ADDRESS... | --replay FILE...",
		Short: "Track the block jobs (mirror, stream, commit, backup) of VMs",
		Long: `Track block jobs by id from BLOCK_JOB_* and JOB_STATUS_CHANGE events, live from
QMP monitors or, with --replay, from logs (- reads stdin): type, device, status,
progress, speed, when a mirror became ready, errors, and how each job ended.

Jobs already running when qmpwatch connects are found with query-jobs and
query-block-jobs. While a job runs, its progress is polled with
query-block-jobs every --interval (none while no job runs): rate over the
last interval, ETA, start and elapsed time.

On a terminal the view is full-screen (q quits). In a pipe, or with -o json,
one JSON record is written per change (start, update, progress, end); after a
replay, the final table (or, in json, the records). See docs/sessions.md.`,
		Example: `  qmpwatch jobs /run/vm1.qmp
  qmpwatch jobs --replay vm1.log -o json | jq 'select(.change == "end") | {id, result}'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.interval <= 0 {
				return usageErrorf("--interval must be positive, got %s", o.interval)
			}
			return runTracker(cmd.Context(), a.streams, o, args, &jobsView{tr: track.NewJobs()})
		},
	}
	addTrackFlags(cmd, o)
	cmd.Flags().DurationVar(&o.interval, "interval", live.DefaultInterval, "how often to poll the progress of running jobs (query-block-jobs; no polling while none runs)")
	return cmd
}

// jobsView renders the jobs tracker.
type jobsView struct {
	tr      *track.Jobs
	pollers map[string]*live.Poller // by VM, live sources only
}

func (v *jobsView) observe(ev *decode.Event, w *trackWriter) {
	j, ch := v.tr.Observe(ev)
	if ch == track.NoChange {
		return
	}
	w.dirty = true
	if w.json {
		w.record(appendJobRecord(w.buf[:0], j, ch))
	}
	v.setPolling(ev.VM)
}

// setPolling polls vm's progress while it has a job running, and only then.
func (v *jobsView) setPolling(vm string) {
	if p := v.pollers[vm]; p != nil {
		p.SetActive(v.tr.RunningOn(vm))
	}
}

func (v *jobsView) seed(vm string, s *live.Seed, w *trackWriter) {
	if v.pollers == nil {
		v.pollers = map[string]*live.Poller{}
	}
	v.pollers[vm] = s.Poller
	for _, j := range s.Apply(vm, v.tr, nil) {
		w.dirty = true
		if w.json {
			w.record(appendJobRecord(w.buf[:0], j, track.Started))
		}
	}
	v.setPolling(vm)
}

func (v *jobsView) progress(vm string, p *live.Progress, w *trackWriter) {
	if p.Err != nil {
		return // the events still tell how the job goes
	}
	for _, j := range v.tr.Poll(vm, p.At, p.Jobs) {
		w.dirty = true
		ch := track.Progressed
		if j.Start.IsZero() && j.Seen.Equal(p.At) {
			ch = track.Started // first seen by this poll, its events not yet
		}
		if w.json {
			w.record(appendJobRecord(w.buf[:0], j, ch))
		}
	}
	v.setPolling(vm)
}

func (v *jobsView) end(vm string, at time.Time, w *trackWriter) {
	for _, j := range v.tr.EndAll(vm, at) {
		if w.json {
			w.record(appendJobRecord(w.buf[:0], j, track.Ended))
		}
	}
}

// appendJobRecord writes a job as a JSON object: see docs/sessions.md.
// Sizes are 64-bit: they are written exactly as QEMU sent them.
func appendJobRecord(dst []byte, j *track.Job, ch track.Change) []byte {
	str := func(key, val string) {
		dst = appendKey(dst, key)
		if val == "" {
			dst = append(dst, "null"...)
		} else {
			dst = decode.AppendQuote(dst, val)
		}
	}
	num := func(key, lit string) {
		dst = appendKey(dst, key)
		if lit == "" {
			dst = append(dst, "null"...)
		} else {
			dst = append(dst, lit...)
		}
	}
	dst = append(dst, '{')
	str("change", ch.String())
	str("vm", j.VM)
	str("id", j.ID)
	str("type", j.Type)
	str("status", j.Status)
	num("offset", j.Offset)
	num("len", j.Len)
	dst = appendKey(dst, "percent")
	if p, ok := j.Percent(); ok {
		dst = strconv.AppendFloat(dst, p, 'f', 1, 64)
	} else {
		dst = append(dst, "null"...)
	}
	num("speed", j.Speed)
	dst = appendKey(dst, "rate")
	if r, ok := j.Rate(); ok && !j.Ended {
		dst = strconv.AppendInt(dst, int64(r+0.5), 10)
	} else {
		dst = append(dst, "null"...)
	}
	dst = appendKey(dst, "eta")
	if d, ok := j.ETA(); ok {
		dst = strconv.AppendFloat(dst, d.Seconds(), 'f', 1, 64)
	} else {
		dst = append(dst, "null"...)
	}
	dst = appendKey(dst, "start")
	dst = appendJSONTime(dst, j.Start)
	dst = appendKey(dst, "ready")
	dst = appendJSONTime(dst, j.Ready)
	str("error", j.Error)
	str("result", j.Result)
	dst = appendKey(dst, "end")
	if j.Ended {
		dst = appendJSONTime(dst, j.End)
	} else {
		dst = append(dst, "null"...)
	}
	return append(dst, '}')
}

var jobColumns = []string{"VM", "JOB", "TYPE", "STATUS", "PROGRESS", "SPEED", "READY", "ERROR", "RESULT"}

func (v *jobsView) table(dst []byte, w *trackWriter) []byte {
	dst = w.stateLines(dst)
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
		rows = append(rows, []string{j.VM, j.ID, orDash(j.Type), orDash(j.Status), progress, orDash(speed),
			w.fmtTime(j.Ready), orDash(j.Error), orDash(j.Result)})
	}
	if len(rows) == 1 {
		return append(dst, "no block jobs\n"...)
	}
	return appendTable(dst, rows)
}
