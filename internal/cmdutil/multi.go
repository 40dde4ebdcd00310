package cmdutil

import "github.com/spf13/pflag"

// MultiOptions are the flags for staying up and for many VMs (watch and
// serve; proxy binds its own help to the same fields).
type MultiOptions struct {
	Reconnect  bool
	Markers    bool
	FailOnGone bool // exit 5 when a VM went away without a SHUTDOWN
	DirOptions
}

// AddMultiFlags adds --reconnect, --markers, the --dir flags and
// --fail-without-shutdown.
func AddMultiFlags(fs *pflag.FlagSet, o *MultiOptions) {
	fs.BoolVar(&o.Reconnect, "reconnect", false, "when a monitor goes away or cannot be reached, retry (backoff 100ms to 5s) until interrupted")
	fs.BoolVar(&o.Markers, "markers", false, "put QMPWATCH_DISCONNECTED and QMPWATCH_RECONNECTED events in the output where the stream has gaps")
	AddDirFlags(fs, &o.DirOptions)
	fs.BoolVar(&o.FailOnGone, "fail-without-shutdown", false, "exit 5 when a QEMU went away without a SHUTDOWN event (killed or crashed), once the watch ends")
}
