package main

import (
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/pipeline"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// multiOptions are watch's flags for staying up and for many VMs.
type multiOptions struct {
	reconnect bool
	markers   bool
	cmdutil.DirOptions
	failOnGone bool
	gone       atomic.Bool // a VM went away without a SHUTDOWN (status)
	twins      source.Twins
}

func addMultiFlags(fs *pflag.FlagSet, o *multiOptions) {
	fs.BoolVar(&o.reconnect, "reconnect", false, "when a monitor goes away or cannot be reached, retry (backoff 100ms to 5s) until interrupted")
	fs.BoolVar(&o.markers, "markers", false, "put QMPWATCH_DISCONNECTED and QMPWATCH_RECONNECTED events in the output where the stream has gaps")
	cmdutil.AddDirFlags(fs, &o.DirOptions)
	fs.BoolVar(&o.failOnGone, "fail-without-shutdown", false, "exit 5 when a QEMU went away without a SHUTDOWN event (killed or crashed), once the watch ends")
}

// status prints a connection change (a notice) and remembers a VM that
// went away without a SHUTDOWN, for --fail-without-shutdown.
func (o *multiOptions) status(s *iostreams.Streams, st source.Status) {
	if st.Kind == source.Disconnected && source.IsGone(st.Err) {
		o.gone.Store(true)
	}
	printStatus(s.Notices(), st)
	if w := o.twins.Check(st); w != "" {
		fmt.Fprintf(s.Notices(), "qmpwatch: %s\n", cmdutil.SafeLines(w))
	}
}

// endErr is the watch's result: err, or exit 5 under --fail-without-shutdown
// when a VM went away without a SHUTDOWN and nothing else went wrong.
func (o *multiOptions) endErr(err error) error {
	if err == nil && o.failOnGone && o.gone.Load() {
		return exitcode.Reported{Code: exitcode.Gone}
	}
	return err
}

// watchArgs accepts no ADDRESS only with --dir.
func watchArgs(o *multiOptions) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cmdutil.FilterAsFollow(cmd, args); err != nil {
			return err
		}
		if len(args) == 0 && o.Dir == "" {
			return errors.New("accepts 1 arg or more (ADDRESS...), or --dir DIR; received 0")
		}
		return nil
	}
}

// mergeOptions wire a Merge to the pipeline (schema per VM) and stderr.
func mergeOptions(s *iostreams.Streams, p *pipeline.Pipeline, o *multiOptions, co conn.Options) source.Options {
	return source.Options{
		Status:  func(st source.Status) { o.status(s, st) },
		Markers: o.markers,
		Conn:    co,
		Attach: func(c *conn.Client) (string, error) {
			o.twins.Learn(c) // a VM without -name is known by its -uuid
			return p.Attach(c)
		},
	}
}

// printStatus writes the one line on stderr for a connection change.
func printStatus(w io.Writer, st source.Status) {
	fmt.Fprintln(w, source.StatusLine(st))
}
