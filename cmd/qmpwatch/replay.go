package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/logfile"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

type replayOptions struct {
	cmdutil.EventOptions
	cmdutil.WindowOptions
	follow bool
}

func newReplayCmd(a *app) *cobra.Command {
	o := &replayOptions{}
	cmd := &cobra.Command{
		Use:         "replay [FILE...]",
		Annotations: cmdutil.Annotate(cmdutil.ArgsLog),
		Short:       "Print the events of recorded logs, with the same filters and outputs as watch",
		Long: `Read recorded events and print them like watch does, with the same schema
checks, filters, --count/--until and output formats. With no FILE, or with -,
read standard input.

Each line may be, mixed freely in one file:
  - a qmpwatch -o json line (its "vm" is kept);
  - a line of a raw QMP transcript (a greeting sets the QEMU version for schema
    checks; replies and commands are skipped);
  - virsh qemu-monitor-event --loop output, with or without --timestamp
    (the domain becomes the event's vm).
Files may be gzip-compressed (recognised by content, whatever their name).

A line that is none of these gets one warning on stderr, with its file and line
number, and is skipped. --since and --before keep the events of a time window
(events without a time are then left out). Events of lines that name no VM are labelled with
--label, else the file's base name without extensions ("stdin" for stdin).`,
		Example: `  qmpwatch replay vm1.log
  qmpwatch replay -e 'BLOCK_JOB_*' -o json events.log.gz
  virsh qemu-monitor-event --loop | qmpwatch replay
  qmpwatch replay -F /var/log/qmpwatch/vm1.log    # keep reading, like tail -f
  qmpwatch replay --since 1h vm1.log              # the last hour
  qmpwatch replay --since '2026-11-21 05:00' --before '2026-11-21 06:00' vm1.log`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReplay(cmd.Context(), a.streams, o, args)
		},
	}
	fs := cmd.Flags()
	cmdutil.AddOutputFlags(fs, &o.EventOptions)
	cmdutil.AddFilterFlags(fs, &o.EventOptions)
	cmdutil.AddSchemaFlags(fs, &o.EventOptions)
	fs.BoolVarP(&o.follow, "follow", "F", false, "at the end of a file, wait for more lines, like tail -f (until interrupted)")
	cmdutil.AddWindowFlags(fs, &o.WindowOptions)
	return cmd
}

func runReplay(ctx context.Context, s *iostreams.Streams, o *replayOptions, args []string) error {
	if o.Schema == "live" {
		return exitcode.Usagef("--schema live needs a running QEMU's monitor, and replay reads logs: use --schema auto or builtin")
	}
	if len(args) == 0 {
		args = []string{"-"}
	}
	if err := oneStdin(args); err != nil {
		return err
	}
	if s.InTTY && slices.Contains(args, "-") {
		// As cat does, but a user who forgot the FILE is not left
		// looking at a silent terminal.
		fmt.Fprintln(s.Notices(), "qmpwatch: replay: reading a log from standard input (paste or type QMP lines, Ctrl-D to end; or give a FILE)")
	}
	win, err := o.WindowOptions.Parse(time.Now())
	if err != nil {
		return err
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
	src, err := source.OpenLogs(ctx, args, source.LogOptions{Stdin: ls.In, Options: logfile.Options{
		Label:  o.Label,
		Follow: o.follow,
		Warn:   warnLine(ls.Notices()),
		Skip:   p.Skip(),
		Decode: p.ReadsData(),
		// -F follows as tail -F does, and says so when it starts over.
		OnReopen: reopenNotice(ls.ErrOut),
	}})
	if err != nil {
		return err
	}
	defer src.Close()
	return p.Run(ctx, source.Window(src, win.Since, win.Before))
}

// oneStdin refuses a command line that names standard input twice.
func oneStdin(args []string) error {
	n := 0
	for _, a := range args {
		if a == "-" {
			n++
		}
	}
	if n > 1 {
		return exitcode.Usagef("standard input (-) given twice")
	}
	return nil
}

// warnLine reports a log line that was skipped.
// reopenNotice says on stderr that a followed log is read again from its
// start: it was truncated, or a new file took its path (rotation).
func reopenNotice(w io.Writer) func(name, reason string) {
	return func(name, reason string) {
		what := "truncated; reading from the start"
		if reason == "replaced" {
			what = "replaced; reading the new file"
		}
		fmt.Fprintf(w, "qmpwatch: %s: %s\n", render.Safe(name), what)
	}
}

func warnLine(w io.Writer) func(*logfile.LineError) {
	return func(e *logfile.LineError) { fmt.Fprintf(w, "qmpwatch: %s\n", e) }
}
