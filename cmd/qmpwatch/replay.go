package main

import (
	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	cmdrun "github.com/qmpwatch/qmpwatch/internal/run"
)

func newReplayCmd(a *app) *cobra.Command {
	o := &cmdrun.ReplayOptions{}
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
			o.Complete(args)
			if err := o.Validate(); err != nil {
				return err
			}
			return cmdrun.Replay(cmd.Context(), a.streams, o)
		},
	}
	fs := cmd.Flags()
	cmdutil.AddOutputFlags(fs, &o.EventOptions)
	cmdutil.AddFilterFlags(fs, &o.EventOptions)
	cmdutil.AddSchemaFlags(fs, &o.EventOptions)
	fs.BoolVarP(&o.Follow, "follow", "F", false, "at the end of a file, wait for more lines, like tail -f (until interrupted)")
	cmdutil.AddWindowFlags(fs, &o.WindowOptions)
	return cmd
}
