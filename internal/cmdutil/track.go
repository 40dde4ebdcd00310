package cmdutil

import (
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/qmpwatch/qmpwatch/internal/live"
)

// TrackerOptions are the flags of the commands that track things across
// events (sessions, jobs, top): live monitors or --replay logs.
type TrackerOptions struct {
	Output           string
	Color            string
	Time             string
	Label            string
	Replay           bool
	GreetingTimeout  time.Duration
	DialTimeout      time.Duration
	QueryTimeout     time.Duration
	Reconnect        bool
	Interval         time.Duration // jobs, top: how often job progress is polled
	DirOptions                     // --dir, --dir-glob, --exclude-socket
	LibvirtOptions                 // --domain
	FleetReadOptions               // nats:// sources
}

// AddTrackerFlags adds the flags every tracker has (not --interval: sessions
// polls nothing).
func AddTrackerFlags(fs *pflag.FlagSet, o *TrackerOptions) {
	AddOutputFlag(fs, &o.Output, "output: table (redrawn live on a terminal; pretty is the same) or json (a record per change; the default in a pipe)", "table", "json")
	AddColorFlag(fs, &o.Color)
	AddTimeFlag(fs, &o.Time)
	fs.StringVar(&o.Label, "label", "", "name the VM NAME instead of its -name (or the log file's name)")
	fs.BoolVar(&o.Replay, "replay", false, "read logs (FILE... or - for stdin, in any format replay reads) instead of live monitors")
	fs.DurationVar(&o.GreetingTimeout, "greeting-timeout", 5*time.Second, "how long to wait for QEMU's greeting after connecting")
	fs.DurationVar(&o.DialTimeout, "connect-timeout", 5*time.Second, "how long to wait for the connection")
	AddQueryTimeoutFlag(fs, &o.QueryTimeout)
	fs.BoolVar(&o.Reconnect, "reconnect", false, "when a monitor goes away or cannot be reached, retry (backoff 100ms to 5s) until interrupted")
	AddDirFlags(fs, &o.DirOptions)
	AddLibvirtFlags(fs, &o.LibvirtOptions)
	AddFleetReadFlags(fs, &o.FleetReadOptions)
}

// AddIntervalFlag adds --interval, the polling of job progress (jobs, top).
func AddIntervalFlag(fs *pflag.FlagSet, o *TrackerOptions) {
	fs.DurationVar(&o.Interval, "interval", live.DefaultInterval, "how often to poll the progress of running jobs (query-block-jobs; no polling while none runs)")
}

// TrackerArgs accepts no ADDRESS only with --dir.
func TrackerArgs(o *TrackerOptions) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := FilterAsFollow(cmd, args); err != nil {
			return err
		}
		if o.Dir != "" {
			return nil
		}
		return cobra.MinimumNArgs(1)(cmd, args)
	}
}
