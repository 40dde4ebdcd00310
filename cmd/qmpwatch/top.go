package main

import (
	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	cmdrun "github.com/qmpwatch/qmpwatch/internal/run"
)

func newTopCmd(a *app) *cobra.Command {
	o := &cmdrun.TopOptions{}
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
		Args: cmdutil.TrackerArgs(&o.TrackerOptions),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Complete(args)
			if err := o.Validate(); err != nil {
				return err
			}
			return cmdrun.Top(cmd.Context(), a.streams, o)
		},
	}
	fs := cmd.Flags()
	cmdutil.AddTrackerFlags(fs, &o.TrackerOptions)
	fs.MarkHidden("replay")
	fs.MarkHidden("output")
	cmdutil.AddIntervalFlag(fs, &o.TrackerOptions)
	fs.StringSliceVarP(&o.Events, "event", "e", nil, "show events whose name matches a glob, case-insensitive (repeat or comma-separate for any of)")
	fs.StringSliceVarP(&o.Excludes, "exclude", "x", nil, "hide events whose name matches a glob")
	fs.StringArrayVarP(&o.Wheres, "where", "w", nil, "show events whose data matches PATH OP VALUE (repeat: all must hold)")
	fs.StringVarP(&o.Filter, "filter", "f", "", "show events for which this jq expression yields a true value")
	return cmd
}
