package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/fleet"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/logfile"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/trackview"
)

// trackOptions are the flags of the commands that track things across
// events (sessions, jobs): live monitors or --replay logs.
type trackOptions struct {
	output                   string
	color                    string
	timeMode                 string
	label                    string
	replay                   bool
	greetingTimeout          time.Duration
	dialTimeout              time.Duration
	queryTimeout             time.Duration
	reconnect                bool
	interval                 time.Duration // jobs, top: how often job progress is polled
	cmdutil.DirOptions                     // --dir, --dir-glob, --exclude-socket
	cmdutil.LibvirtOptions                 // libvirt.go: --domain
	cmdutil.FleetReadOptions               // fleet.go: nats:// sources
}

func addTrackFlags(cmd *cobra.Command, o *trackOptions) {
	fs := cmd.Flags()
	cmdutil.AddOutputFlag(fs, &o.output, "output: table (redrawn live on a terminal; pretty is the same) or json (a record per change; the default in a pipe)", "table", "json")
	cmdutil.AddColorFlag(fs, &o.color)
	cmdutil.AddTimeFlag(fs, &o.timeMode)
	fs.StringVar(&o.label, "label", "", "name the VM NAME instead of its -name (or the log file's name)")
	fs.BoolVar(&o.replay, "replay", false, "read logs (FILE... or - for stdin, in any format replay reads) instead of live monitors")
	fs.DurationVar(&o.greetingTimeout, "greeting-timeout", 5*time.Second, "how long to wait for QEMU's greeting after connecting")
	fs.DurationVar(&o.dialTimeout, "connect-timeout", 5*time.Second, "how long to wait for the connection")
	cmdutil.AddQueryTimeoutFlag(fs, &o.queryTimeout)
	fs.BoolVar(&o.reconnect, "reconnect", false, "when a monitor goes away or cannot be reached, retry (backoff 100ms to 5s) until interrupted")
	cmdutil.AddDirFlags(fs, &o.DirOptions)
	cmdutil.AddLibvirtFlags(fs, &o.LibvirtOptions)
	cmdutil.AddFleetReadFlags(fs, &o.FleetReadOptions)
}

// trackArgs accepts no ADDRESS only with --dir.
func trackArgs(o *trackOptions) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cmdutil.FilterAsFollow(cmd, args); err != nil {
			return err
		}
		if o.Dir != "" {
			return nil
		}
		return cobra.MinimumNArgs(1)(cmd, args)
	}
}

// runTracker feeds v from live monitors (addresses, globs, --dir, as watch
// reads them) or, with --replay, from logs, and writes the table or the
// records.
func runTracker(ctx context.Context, s *iostreams.Streams, o *trackOptions, args []string, v trackview.View) error {
	if o.replay && (o.Dir != "" || o.reconnect) {
		return exitcode.Usagef("--dir and --reconnect watch live monitors: not with --replay")
	}
	if o.replay {
		if err := cmdutil.OneStdin(args); err != nil {
			return err
		}
	}
	for _, a := range args {
		if o.replay && fleet.IsURL(a) {
			return exitcode.Usagef("--replay reads logs, not a nats:// source (--since reads the stream's past)")
		}
	}
	var src *source.Spec
	if !o.replay {
		var err error
		if src, err = o.spec(args); err != nil {
			return err
		}
	}
	asJSON := o.output == "json" || (o.output == "" && !s.OutTTY)
	if !asJSON && s.OutTTY && !o.replay {
		return runTrackerTUI(ctx, s, o, src, tuiView(v))
	}
	ls := s.Locked()
	defer ls.CloseErr()
	out, _ := cmdutil.Palettes(s, o.color, os.Getenv)
	t := trackview.NewTracker(trackview.TrackOptions{Out: s.Out, JSON: asJSON, Time: o.timeMode, Interval: o.interval, Palette: out, Notices: ls.Notices()}, v)
	if o.replay {
		return t.Replay(ctx, args, source.LogOptions{Stdin: s.In, Options: logfile.Options{Label: o.label, Warn: cmdutil.WarnLine(ls.Notices())}})
	}
	op, err := o.open(ctx, src, t.SourceOptions(func(line string) { fmt.Fprintln(ls.Notices(), line) }, o.connOptions()), ls.Notices(), t.SeedAtConnect)
	if err != nil {
		return err
	}
	defer op.Close()
	return t.Run(ctx, op)
}

func newSessionsCmd(a *app) *cobra.Command {
	o := &trackOptions{}
	cmd := &cobra.Command{
		Use:         "sessions ADDRESS... | --replay FILE...",
		Annotations: cmdutil.Annotate(cmdutil.ArgsTracker),
		Short:       "Track the SPICE and VNC sessions of VMs",
		Long: `Track the remote-display sessions of one or more VMs, live from their QMP
monitors or, with --replay, from logs (qmpwatch json lines, raw QMP transcripts,
virsh qemu-monitor-event output; - reads stdin).

A VNC session is one client host and port: connected, initialized (auth,
SASL user name, x509 name), disconnected. A SPICE session is the set of channels
that share a connection-id; its main channel starts and ends it.

Sessions already open when qmpwatch connects are found with query-vnc,
query-vnc-servers and query-spice.

On a terminal the view is full-screen (q quits). In a pipe, or with
-o json, one JSON record is written when a session starts and one when it ends;
after a replay, the final table (or, in json, the records). See docs/sessions.md.`,
		Example: `  qmpwatch sessions /run/vm1.qmp /run/vm2.qmp
  qmpwatch sessions --replay vm1.log -o json | jq 'select(.change == "end") | .duration'`,
		Args: trackArgs(o),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTracker(cmd.Context(), a.streams, o, args, trackview.NewSessionsView())
		},
	}
	addTrackFlags(cmd, o)
	return cmd
}
