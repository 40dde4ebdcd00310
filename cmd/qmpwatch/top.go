package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/filter"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/live"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/tui"
)

// topOptions are top's flags: the tracking ones, watch's filters and colour.
type topOptions struct {
	trackOptions // and its --color
	events       []string
	excludes     []string
	wheres       []string
	filter       string
}

// topNoTerminal is top's one line in a pipe.
const topNoTerminal = "qmpwatch: top needs a terminal on stdout; in a pipe use `qmpwatch watch -o json` and `qmpwatch jobs -o json`"

func newTopCmd(a *app) *cobra.Command {
	o := &topOptions{}
	cmd := &cobra.Command{
		Use:         "top ADDRESS... | --dir DIR",
		Annotations: cmdutil.Annotate(cmdutil.ArgsTracker),
		Short:       "A full-screen view of VMs: states, sessions, jobs with progress, faults and live events",
		Long: `Show every VM the given sources reach on one screen, redrawn as things change:
one row per VM (name, QEMU version, run state with its reason and for how
long, open sessions, running jobs with a progress bar, faults in the last hour,
the last event and its age), and below it the live event stream in pretty
form, with watch's filters (-e, -x, -w, -f) applied to the stream. Sources are
those watch takes: addresses, globs ('/run/qemu/*.qmp'), --dir and --reconnect.

Keys: up/down select a VM, enter focuses it (its sessions, jobs and events in
full), / filters the stream by a glob of event names, p pauses the stream
(events are kept and shown when unpaused), ? shows the keys, q quits.

top needs a terminal; for scripts use watch -o json and jobs -o json.
Only qmp_capabilities and query-* are sent: job progress is polled with
query-block-jobs every --interval while a job runs. See docs/top.md.`,
		Example: `  qmpwatch top /run/vm1.qmp /run/vm2.qmp
  qmpwatch top '/run/qemu/*.qmp' -x 'RTC_CHANGE'
  qmpwatch top --dir /run/qemu --reconnect`,
		Args: trackArgs(&o.trackOptions),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTop(cmd.Context(), a.streams, o, args)
		},
	}
	addTrackFlags(cmd, &o.trackOptions)
	fs := cmd.Flags()
	fs.MarkHidden("replay")
	fs.MarkHidden("output")
	addIntervalFlag(cmd, &o.trackOptions)
	fs.StringSliceVarP(&o.events, "event", "e", nil, "show events whose name matches a glob, case-insensitive (repeat or comma-separate for any of)")
	fs.StringSliceVarP(&o.excludes, "exclude", "x", nil, "hide events whose name matches a glob")
	fs.StringArrayVarP(&o.wheres, "where", "w", nil, "show events whose data matches PATH OP VALUE (repeat: all must hold)")
	fs.StringVarP(&o.filter, "filter", "f", "", "show events for which this jq expression yields a true value")
	return cmd
}

// addIntervalFlag adds --interval, the polling of job progress.
func addIntervalFlag(cmd *cobra.Command, o *trackOptions) {
	cmd.Flags().DurationVar(&o.interval, "interval", live.DefaultInterval, "how often to poll the progress of running jobs (query-block-jobs; no polling while none runs)")
}

// checkInterval refuses an --interval that would poll without pause.
func checkInterval(d time.Duration) error {
	if d <= 0 {
		return exitcode.Usagef("--interval must be positive, got %s", d)
	}
	return nil
}

func runTop(ctx context.Context, s *iostreams.Streams, o *topOptions, args []string) error {
	if o.replay {
		return exitcode.Usagef("top watches live monitors; for logs use `qmpwatch replay` or `qmpwatch jobs --replay`")
	}
	if err := checkInterval(o.interval); err != nil {
		return err
	}
	keep, err := topFilter(o)
	if err != nil {
		return err
	}
	src, err := o.spec(args)
	if err != nil {
		return err
	}
	if !s.OutTTY {
		// One line, no usage hint: the flags were right, the place is not.
		fmt.Fprintln(s.ErrOut, topNoTerminal)
		return exitcode.Reported{Code: exitcode.Usage}
	}
	cfg := tui.Config{View: tui.Top, Keep: keep, Color: render.ColorEnabled(o.color, s.OutTTY, os.Getenv), Location: o.location()}
	return runTUI(ctx, s, &o.trackOptions, src, cfg)
}

// topFilter compiles watch's filters for the event stream; the trackers
// see every event regardless.
func topFilter(o *topOptions) (func(*decode.Event) bool, error) {
	f, err := filter.Compile(filter.Spec{Events: o.events, Excludes: o.excludes, Wheres: o.wheres, Filter: o.filter})
	if err != nil {
		return nil, err // coded: 3 for an expression, 2 for the rest
	}
	ctx := context.Background()
	return func(ev *decode.Event) bool {
		ok, _, err := f.Eval(ctx, ev)
		return err == nil && ok
	}, nil
}

// runTUI shows a full-screen view fed by the same sources as the other
// tracking views (trackOptions.spec), through a live.Feed: seeded at
// connect and polled on each session's own client.
func runTUI(ctx context.Context, s *iostreams.Streams, o *trackOptions, src *source.Spec, cfg tui.Config) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p := tui.NewProgram(ctx, cfg, s.In, s.Out)
	poll := cfg.View != tui.Sessions
	feed := live.NewFeed(live.Options{Poll: poll, Interval: o.interval}, p.Send)
	// Notes would land on the full screen: the feed shows each VM's state.
	op, err := o.open(ctx, src, feed.SourceOptions(o.connOptions()), io.Discard, feed.SeedState)
	if err != nil {
		return err
	}
	defer op.Close()
	return tuiErr(p.Run(feed, op.Merge))
}

// runTrackerTUI shows jobs or sessions full-screen on a terminal.
func runTrackerTUI(ctx context.Context, s *iostreams.Streams, o *trackOptions, src *source.Spec, view tui.View) error {
	cfg := tui.Config{View: view, Color: render.ColorEnabled(o.color, s.OutTTY, os.Getenv), Location: o.location()}
	return runTUI(ctx, s, o, src, cfg)
}

// tuiErr maps the end of a full-screen view onto an exit code.
func tuiErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, tui.ErrSourceFailed):
		return exitcode.With(exitcode.Error, err)
	}
	return exitcode.With(exitcode.Error, fmt.Errorf("terminal: %w", err))
}

// location is where the full-screen views show times: --time utc, or local.
func (o *trackOptions) location() *time.Location {
	if o.timeMode == "utc" {
		return time.UTC
	}
	return time.Local
}
