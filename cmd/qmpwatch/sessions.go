package main

import (
	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	cmdrun "github.com/qmpwatch/qmpwatch/internal/run"
	"github.com/qmpwatch/qmpwatch/internal/trackview"
)

func newSessionsCmd(a *app) *cobra.Command {
	o := &cmdrun.TrackOptions{View: trackview.NewSessionsView()}
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
		Args: cmdutil.TrackerArgs(&o.TrackerOptions),
		RunE: trackerRunE(a, o),
	}
	cmdutil.AddTrackerFlags(cmd.Flags(), &o.TrackerOptions)
	return cmd
}

// trackerRunE is sessions' and jobs' run: complete, validate, then track.
func trackerRunE(a *app, o *cmdrun.TrackOptions) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		o.Complete(args)
		if err := o.Validate(); err != nil {
			return err
		}
		return cmdrun.Track(cmd.Context(), a.streams, o)
	}
}
