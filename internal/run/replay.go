package run

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/logfile"
	"github.com/qmpwatch/qmpwatch/internal/safe"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// ReplayOptions are replay's flags and its FILEs.
type ReplayOptions struct {
	cmdutil.EventOptions
	cmdutil.WindowOptions
	Follow bool     // -F
	Files  []string // "-" is standard input

	window cmdutil.Window // --since and --before, parsed by Validate
}

// Complete reads standard input when no FILE is given.
func (o *ReplayOptions) Complete(args []string) {
	o.Files = args
	if len(o.Files) == 0 {
		o.Files = []string{"-"}
	}
}

// Validate checks the flags and the FILEs' names, opening nothing.
func (o *ReplayOptions) Validate() error {
	if o.Schema == "live" {
		return exitcode.Usagef("--schema live needs a running QEMU's monitor, and replay reads logs: use --schema auto or builtin")
	}
	if err := cmdutil.OneStdin(o.Files); err != nil {
		return err
	}
	win, err := o.WindowOptions.Parse(time.Now())
	if err != nil {
		return err
	}
	o.window = win
	return nil
}

// Replay runs the logs through the engine, as watch runs a monitor.
func Replay(ctx context.Context, s *iostreams.Streams, o *ReplayOptions) error {
	if s.InTTY && slices.Contains(o.Files, "-") {
		// As cat does, but a user who forgot the FILE is not left
		// looking at a silent terminal.
		fmt.Fprintln(s.Notices(), "qmpwatch: replay: reading a log from standard input (paste or type QMP lines, Ctrl-D to end; or give a FILE)")
	}
	// Readers warn from the pipeline's reading goroutine while the
	// pipeline may write to stderr too: serialise them.
	ls := s.Locked()
	defer ls.CloseErr()
	p, err := cmdutil.NewPipeline(ls, &o.EventOptions, true, "")
	if err != nil {
		return err
	}
	defer p.Close()
	src, err := source.OpenLogs(ctx, o.Files, source.LogOptions{Stdin: ls.In, Options: logfile.Options{
		Label:  o.Label,
		Follow: o.Follow,
		Warn:   cmdutil.WarnLine(ls.Notices()),
		Skip:   p.Skip(),
		Decode: p.ReadsData(),
		// -F follows as tail -F does, and says so when it starts over.
		OnReopen: replayReopenNotice(ls.ErrOut),
	}})
	if err != nil {
		return err
	}
	defer src.Close()
	return p.Run(ctx, source.Window(src, o.window.Since, o.window.Before))
}

// replayReopenNotice says on stderr that a followed log is read again from
// its start: it was truncated, or a new file took its path (rotation).
func replayReopenNotice(w io.Writer) func(name, reason string) {
	return func(name, reason string) {
		what := "truncated; reading from the start"
		if reason == "replaced" {
			what = "replaced; reading the new file"
		}
		fmt.Fprintf(w, "qmpwatch: %s: %s\n", safe.String(name), what)
	}
}
