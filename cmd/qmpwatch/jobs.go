package main

import (
	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	cmdrun "github.com/qmpwatch/qmpwatch/internal/run"
	"github.com/qmpwatch/qmpwatch/internal/trackview"
)

func newJobsCmd(a *app) *cobra.Command {
	o := &cmdrun.TrackOptions{View: trackview.NewJobsView()}
	cmd := &cobra.Command{
		Use:         "jobs ADDRESS... | --replay FILE...",
		Annotations: cmdutil.Annotate(cmdutil.ArgsTracker),
		Short:       "Track the block jobs (mirror, stream, commit, backup) of VMs",
		Long: `Track block jobs by id from BLOCK_JOB_* and JOB_STATUS_CHANGE events, live from
QMP monitors or, with --replay, from logs (- reads stdin): type, device, status,
progress, speed, when a mirror became ready, errors, and how each job ended.

Jobs already running when qmpwatch connects are found with query-jobs and
query-block-jobs. While a job runs, its progress is polled with
query-block-jobs every --interval (none while no job runs): rate over the
last interval, ETA, start and elapsed time.

On a terminal the view is full-screen (q quits). In a pipe, or with -o json,
one JSON record is written per change (start, update, progress, end); after a
replay, the final table (or, in json, the records). See docs/sessions.md.`,
		Example: `  qmpwatch jobs /run/vm1.qmp
  qmpwatch jobs --replay vm1.log -o json | jq 'select(.change == "end") | {id, result}'`,
		Args: cmdutil.TrackerArgs(&o.TrackerOptions),
		RunE: trackerRunE(a, o),
	}
	cmdutil.AddTrackerFlags(cmd.Flags(), &o.TrackerOptions)
	cmdutil.AddIntervalFlag(cmd.Flags(), &o.TrackerOptions)
	return cmd
}
