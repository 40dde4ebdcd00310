package run

import (
	"fmt"
	"io"
	"sync/atomic"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/pipeline"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// WatchState is what a watch of monitors learns while it runs (watch,
// proxy): whether a VM went away without a SHUTDOWN, for
// --fail-without-shutdown, and the VMs that look like one another.
type WatchState struct {
	gone  atomic.Bool
	twins source.Twins
}

// Status prints a connection change (a notice) and remembers a VM that
// went away without a SHUTDOWN.
func (w *WatchState) Status(s *iostreams.Streams, st source.Status) {
	if st.Kind == source.Disconnected && source.IsGone(st.Err) {
		w.gone.Store(true)
	}
	watchPrintStatus(s.Notices(), st)
	if t := w.twins.Check(st); t != "" {
		fmt.Fprintf(s.Notices(), "qmpwatch: %s\n", cmdutil.SafeLines(t))
	}
}

// End is the watch's result: err, or exit 5 under --fail-without-shutdown
// (failOnGone) when a VM went away without a SHUTDOWN and nothing else
// went wrong.
func (w *WatchState) End(err error, failOnGone bool) error {
	if err == nil && failOnGone && w.gone.Load() {
		return exitcode.Reported{Code: exitcode.Gone}
	}
	return err
}

// MergeOptions wire a Merge to the pipeline (schema per VM) and stderr.
func (w *WatchState) MergeOptions(s *iostreams.Streams, p *pipeline.Pipeline, markers bool, co conn.Options) source.Options {
	return source.Options{
		Status:  func(st source.Status) { w.Status(s, st) },
		Markers: markers,
		Conn:    co,
		Attach: func(c *conn.Client) (string, error) {
			w.twins.Learn(c) // a VM without -name is known by its -uuid
			return p.Attach(c)
		},
	}
}

// watchPrintStatus writes the one line on stderr for a connection change.
func watchPrintStatus(w io.Writer, st source.Status) {
	fmt.Fprintln(w, source.StatusLine(st))
}
