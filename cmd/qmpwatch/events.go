package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	cmdrun "github.com/qmpwatch/qmpwatch/internal/run"
)

func newEventsCmd(a *app) *cobra.Command {
	o := &cmdrun.EventsOptions{}
	cmd := &cobra.Command{
		Use:         "events [NAME|PATTERN]",
		Annotations: cmdutil.Annotate(cmdutil.ArgsEvent),
		Short:       "List the QMP events qmpwatch knows, or compare with a running QEMU",
		Long: `Without arguments, list every QMP event of the builtin catalog: its name, the
QEMU version that introduced it, and what it means. With NAME (any case), show
one event in full: its fields with types and docs, the events QEMU documents as
following it, whether QEMU rate-limits it, and an example. With a PATTERN
(BLOCK_JOB_*, any case, as -e reads it), list the events it matches.

With --live ADDRESS, ask a running QEMU for its own schema (query-qmp-schema)
and show how it differs from the catalog: events this build lacks (SPICE_*
without SPICE support, say), events introduced after its version, and events,
fields or enum values that the catalog does not know.`,
		Example: `  qmpwatch events
  qmpwatch events block_io_error
  qmpwatch events 'BLOCK_JOB_*'
  qmpwatch events -o json | jq -r 'select(.rate_limited) | .name'
  qmpwatch events --live /run/vm1.qmp`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Name = args[0]
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return cmdrun.Events(cmd.Context(), a.streams, o)
		},
	}
	fs := cmd.Flags()
	cmdutil.AddOutputFlag(fs, &o.Output, "output format: table (pretty is the same), json (one object a line)", "table", "json")
	fs.StringVar(&o.Live, "live", "", "compare the catalog with the schema of the QEMU at ADDRESS")
	fs.DurationVar(&o.Timeout, "greeting-timeout", 5*time.Second, "with --live: how long to wait for QEMU's greeting")
	return cmd
}
