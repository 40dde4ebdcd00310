package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/fleet"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/libvirt"
	"github.com/qmpwatch/qmpwatch/internal/live"
	"github.com/qmpwatch/qmpwatch/internal/logfile"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/track"
	"github.com/qmpwatch/qmpwatch/internal/trackview"
	"github.com/qmpwatch/qmpwatch/internal/tui"
)

// TrackOptions are what sessions and jobs do: their flags, the ADDRESS
// (or, with --replay, FILE) arguments and the view that tracks them.
type TrackOptions struct {
	cmdutil.TrackerOptions
	Args []string
	View trackview.View // sessions or jobs (set with the command); nil for top

	src *source.Spec // what is read live: built by Validate
}

// Complete takes the arguments.
func (o *TrackOptions) Complete(args []string) { o.Args = args }

// Validate checks everything before any monitor, server or file is
// opened: --interval (jobs), what --replay excludes, one stdin, and the
// live sources (source.Spec: its Validate, then Resolve, which reads the
// file system for globs and --dir and opens nothing).
func (o *TrackOptions) Validate() error {
	if _, polls := o.View.(*trackview.JobsView); polls {
		if err := trackCheckInterval(o.Interval); err != nil {
			return err
		}
	}
	if o.Replay && (o.Dir != "" || o.Reconnect) {
		return exitcode.Usagef("--dir and --reconnect watch live monitors: not with --replay")
	}
	if o.Replay {
		if err := cmdutil.OneStdin(o.Args); err != nil {
			return err
		}
	}
	for _, a := range o.Args {
		if o.Replay && fleet.IsURL(a) {
			return exitcode.Usagef("--replay reads logs, not a nats:// source (--since reads the stream's past)")
		}
	}
	if o.Replay {
		return nil
	}
	return o.spec()
}

// trackCheckInterval refuses an --interval that would poll without pause.
func trackCheckInterval(d time.Duration) error {
	if d <= 0 {
		return exitcode.Usagef("--interval must be positive, got %s", d)
	}
	return nil
}

// spec is what the tracking views (sessions, jobs, top; in a pipe or
// full-screen) read: the addresses and globs of Args, --dir and
// --reconnect, a libvirt URI, nats:// sources, validated and resolved.
func (o *TrackOptions) spec() error {
	src := &source.Spec{Args: o.Args, Label: o.Label, Reconnect: o.Reconnect, Domains: o.Domains,
		Fleet: o.FleetReadOptions.Spec("", nil)}
	o.DirOptions.Fill(src)
	if err := src.Validate(); err != nil {
		return err
	}
	o.src = src
	return src.Resolve()
}

// Track feeds the view from live monitors (addresses, globs, --dir, as
// watch reads them) or, with --replay, from logs, and writes the table or
// the records; live on a terminal, the view is full-screen.
func Track(ctx context.Context, s *iostreams.Streams, o *TrackOptions) error {
	asJSON := o.Output == "json" || (o.Output == "" && !s.OutTTY)
	if !asJSON && s.OutTTY && !o.Replay {
		cfg := tui.Config{View: trackTUIView(o.View), Color: render.ColorEnabled(o.Color, s.OutTTY, os.Getenv), Location: o.location()}
		return trackTUI(ctx, s, o, cfg)
	}
	ls := s.Locked()
	defer ls.CloseErr()
	out, _ := cmdutil.Palettes(s, o.Color, os.Getenv)
	t := trackview.NewTracker(trackview.TrackOptions{Out: s.Out, JSON: asJSON, Time: o.Time, Interval: o.Interval, Palette: out, Notices: ls.Notices()}, o.View)
	if o.Replay {
		return t.Replay(ctx, o.Args, source.LogOptions{Stdin: s.In, Options: logfile.Options{Label: o.Label, Warn: cmdutil.WarnLine(ls.Notices())}})
	}
	op, err := o.open(ctx, t.SourceOptions(func(line string) { fmt.Fprintln(ls.Notices(), line) }, o.connOptions()), ls.Notices(), t.SeedAtConnect)
	if err != nil {
		return err
	}
	defer op.Close()
	return t.Run(ctx, op)
}

// trackTUIView is the full-screen view of a tracker view.
func trackTUIView(v trackview.View) tui.View {
	if _, ok := v.(*trackview.JobsView); ok {
		return tui.Jobs
	}
	return tui.Sessions
}

// trackTUI shows a full-screen view fed by the same sources as the other
// tracking views (TrackOptions.spec), through a live.Feed: seeded at
// connect and polled on each session's own client.
func trackTUI(ctx context.Context, s *iostreams.Streams, o *TrackOptions, cfg tui.Config) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p := tui.NewProgram(ctx, cfg, s.In, s.Out)
	poll := cfg.View != tui.Sessions
	feed := live.NewFeed(live.Options{Poll: poll, Interval: o.Interval}, p.Send)
	// Notes would land on the full screen: the feed shows each VM's state.
	op, err := o.open(ctx, feed.SourceOptions(o.connOptions()), io.Discard, feed.SeedState)
	if err != nil {
		return err
	}
	defer op.Close()
	return trackTUIErr(p.Run(feed, op.Merge))
}

// trackTUIErr maps the end of a full-screen view onto an exit code.
func trackTUIErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, tui.ErrSourceFailed):
		return exitcode.With(exitcode.Error, err)
	}
	return exitcode.With(exitcode.Error, fmt.Errorf("terminal: %w", err))
}

// open opens a tracking view's sources as one Merge built with so (the
// feed's options: seeding and polling go through its Attach, on the
// Merge's one connect path); seed gets a libvirt domain's state, which
// libvirt's read API says in place of QEMU's query-status.
func (o *TrackOptions) open(ctx context.Context, so source.Options, notes io.Writer, seed func(vm string, st track.RunState)) (*source.Opened, error) {
	return o.src.Open(ctx, source.OpenOptions{Options: so, Libvirt: libvirt.Options{DialTimeout: o.DialTimeout}, Notes: notes, Seed: seed})
}

// connOptions are the tracking views' options for every connection.
func (o *TrackOptions) connOptions() conn.Options {
	return conn.Options{DialTimeout: o.DialTimeout, GreetingTimeout: o.GreetingTimeout, QueryTimeout: o.QueryTimeout}
}

// location is where the full-screen views show times: --time utc, or local.
func (o *TrackOptions) location() *time.Location {
	if o.Time == "utc" {
		return time.UTC
	}
	return time.Local
}
