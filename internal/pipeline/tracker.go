package pipeline

import (
	"bufio"
	"fmt"
	"io"
	"time"

	"github.com/fatih/color"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// A View is what a tracker command (sessions, jobs) plugs into the tracker
// loop: it keeps its own tracker and says how to show it.
type View interface {
	// Observe takes one event and writes JSON records for what changed
	// (TrackWriter.Record), marking the table dirty when it did.
	Observe(ev *decode.Event, w *TrackWriter)
	// End is called when a live VM's stream ends: what was open there is
	// over.
	End(vm string, at time.Time, w *TrackWriter)
	// Table appends the whole table.
	Table(dst []byte, w *TrackWriter) []byte
}

// TrackOptions say how a tracker shows what it tracks.
type TrackOptions struct {
	// Out receives the table or the JSON records.
	Out io.Writer
	// JSON writes one record per change instead of a table.
	JSON bool
	// Time is the --time mode of the table's cells.
	Time string
	// Interval is how often job progress is polled while a job runs;
	// 0: live.DefaultInterval.
	Interval time.Duration
	// Palette colours the table (header, run states) on a terminal.
	Palette render.Palette
	// Notices receives what is said beside the table: a VM that reached a
	// tracker's bound (track.Full). Nil says nothing.
	Notices io.Writer
}

// TrackWriter holds a tracker's output side: the format, the stream and
// the VMs' run states, shown above the table.
type TrackWriter struct {
	o      TrackOptions
	out    *bufio.Writer
	states *track.States
	causes *track.Causes
	vms    []string // in the order they appeared
	buf    []byte
	dirty  bool
}

// NewTrackWriter returns the output side of a tracker.
func NewTrackWriter(o TrackOptions) *TrackWriter {
	return &TrackWriter{
		o:      o,
		out:    bufio.NewWriterSize(o.Out, 64<<10),
		states: track.NewStates(),
		causes: track.NewCauses(decode.Builtin()),
	}
}

// JSON says records are written rather than a table.
func (w *TrackWriter) JSON() bool { return w.o.JSON }

// full says that a VM reached a tracker's bound, on Notices.
func (w *TrackWriter) full(f track.Full) {
	if w.o.Notices != nil {
		fmt.Fprintln(w.o.Notices, "qmpwatch: "+f.String())
	}
}

// Changed marks the table as needing a redraw.
func (w *TrackWriter) Changed() { w.dirty = true }

// Buf is a scratch buffer for building one record.
func (w *TrackWriter) Buf() []byte { return w.buf[:0] }

// Record writes one JSON line.
func (w *TrackWriter) Record(b []byte) {
	w.out.Write(append(b, '\n'))
	w.buf = b[:0]
}

// Time formats a time for a table cell.
func (w *TrackWriter) Time(t time.Time) string { return render.CellTime(t, w.o.Time) }

// StateLines appends "vm-alpha: running" lines, one per VM.
func (w *TrackWriter) StateLines(dst []byte) []byte {
	pal := &w.o.Palette
	for _, vm := range w.vms {
		dst = render.AppendSafe(dst, vm)
		dst = append(dst, ": "...)
		st := w.states.Get(vm)
		dst = pal.Append(dst, pal.ForState(st.Status), render.AppendSafe(nil, st.String()))
		dst = append(dst, '\n')
	}
	return dst
}

// Table appends rows (the first is the header) as aligned columns, the
// header in bold when colour is on.
func (w *TrackWriter) Table(dst []byte, rows [][]string) []byte {
	pal := &w.o.Palette
	return render.AppendStyledTable(dst, rows, pal, func(row, _ int, _ string) *color.Color {
		if row == 0 {
			return pal.Bold
		}
		return nil
	})
}

func (w *TrackWriter) addVM(vm string) {
	for _, v := range w.vms {
		if v == vm {
			return
		}
	}
	w.vms = append(w.vms, vm)
}

// Seed sets a VM's run state as QEMU reported it (at connect, or from a
// transcript's query-status reply).
func (w *TrackWriter) Seed(vm string, st track.RunState) {
	w.addVM(vm)
	w.states.Seed(vm, st)
	w.dirty = true
}

// Feed passes one event through the cause and state trackers, then v.
func (w *TrackWriter) Feed(v View, ev *decode.Event) {
	w.addVM(ev.VM)
	by := w.causes.Observe(ev)
	if w.states.Observe(ev, by) {
		w.dirty = true
	}
	v.Observe(ev, w)
}

// End closes what was open on a VM whose stream ended.
func (w *TrackWriter) End(v View, vm string, at time.Time) {
	v.End(vm, at, w)
	w.causes.Forget(vm)
	w.dirty = true
}

// Flush writes the buffered records. On a terminal the live table is
// internal/tui's full-screen view, not this writer's.
func (w *TrackWriter) Flush(v View) error {
	w.dirty = false
	return WriteErr(w.out.Flush())
}

// Close writes the final table (unless records were written) and flushes.
func (w *TrackWriter) Close(v View) error {
	if !w.o.JSON {
		w.out.Write(v.Table(w.buf[:0], w))
	}
	return WriteErr(w.out.Flush())
}
