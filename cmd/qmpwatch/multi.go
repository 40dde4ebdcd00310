package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/pipeline"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// multiOptions are watch's flags for staying up and for many VMs.
type multiOptions struct {
	reconnect bool
	markers   bool
	dirOptions
	failOnGone bool
	gone       atomic.Bool // a VM went away without a SHUTDOWN (status)
	twins      source.Twins
}

// dirPoll is how often --dir looks for sockets that came or went.
const dirPoll = 250 * time.Millisecond

func addMultiFlags(fs *pflag.FlagSet, o *multiOptions) {
	fs.BoolVar(&o.reconnect, "reconnect", false, "when a monitor goes away or cannot be reached, retry (backoff 100ms to 5s) until interrupted")
	fs.BoolVar(&o.markers, "markers", false, "put QMPWATCH_DISCONNECTED and QMPWATCH_RECONNECTED events in the output where the stream has gaps")
	addDirFlags(fs, &o.dirOptions)
	fs.BoolVar(&o.failOnGone, "fail-without-shutdown", false, "exit 5 when a QEMU went away without a SHUTDOWN event (killed or crashed), once the watch ends")
}

// status prints a connection change (a notice) and remembers a VM that
// went away without a SHUTDOWN, for --fail-without-shutdown.
func (o *multiOptions) status(s *Streams, st source.Status) {
	if st.Kind == source.Disconnected && source.IsGone(st.Err) {
		o.gone.Store(true)
	}
	printStatus(s.notices(), st)
	if w := o.twins.Check(st); w != "" {
		fmt.Fprintf(s.notices(), "qmpwatch: %s\n", safeLines(w))
	}
}

// endErr is the watch's result: err, or exit 5 under --fail-without-shutdown
// when a VM went away without a SHUTDOWN and nothing else went wrong.
func (o *multiOptions) endErr(err error) error {
	if err == nil && o.failOnGone && o.gone.Load() {
		return errReported{Code: exitGone}
	}
	return err
}

// watchArgs accepts no ADDRESS only with --dir.
func watchArgs(o *multiOptions) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := filterAsFollow(cmd, args); err != nil {
			return err
		}
		if len(args) == 0 && o.dir == "" {
			return errors.New("accepts 1 arg or more (ADDRESS...), or --dir DIR; received 0")
		}
		return nil
	}
}

// isMulti says whether a watch needs the merged, many-source path; a plain
// `watch ADDRESS` keeps the direct one.
func (o *watchOptions) isMulti(args []string) bool {
	return len(args) != 1 || o.reconnect || o.markers || o.dir != "" || isGlob(args[0])
}

func isGlob(arg string) bool {
	a, err := conn.ParseAddr(arg)
	return err == nil && a.IsPattern()
}

// runMulti watches many monitors (and folders) as one stream, each event
// labelled with its VM. One source failing does not stop the others.
// Without --reconnect or --dir it ends when every source has ended: exit 0
// when all ended normally, 1 when any failed (see docs/exit-codes.md).
func runMulti(ctx context.Context, s *Streams, o *watchOptions, args []string, f *watchFleet) error {
	targets, missing, err := expandTargets(args)
	if err != nil {
		return err
	}
	if o.label != "" && (len(targets)+len(missing) != 1 || o.dir != "") {
		return usageErrorf("--label names one VM: give exactly one ADDRESS and no --dir")
	}
	if err := checkDir(&o.dirOptions); err != nil {
		return err
	}
	// Sources report from their own goroutines while the pipeline writes
	// warnings: one lock keeps stderr lines whole.
	ls := s.lockedStderr()
	p, err := newPipeline(ls, &o.eventOptions, len(targets)+len(missing) > 1 || o.dir != "" || len(f.urls) > 0, o.record, append(f.sinks, f.hooks)...)
	if err != nil {
		return err
	}
	defer p.Close()

	mctx, cancel := context.WithCancel(ctx)
	m := source.New(mctx, o.withAddresses(mergeOptions(ls, p, &o.multiOptions, conn.Options{DialTimeout: o.dialTimeout, GreetingTimeout: o.greetingTimeout, QueryTimeout: o.queryTimeout})))
	defer func() {
		cancel()
		m.Wait()
		f.Close() // after the Merge: a durable reader confirms its last acknowledgement
	}()
	if err := f.open(ctx, m, ls.notices()); err != nil { // fleet.go: nats:// sources; its notices go quiet with -q
		return err
	}
	addSources(m, targets, missing, o.label, o.reconnect, &o.dirOptions)
	return o.endErr(p.Run(ctx, m))
}

// checkDir refuses a --dir that is not a folder, and bad patterns.
func checkDir(o *dirOptions) error {
	if o.dir == "" {
		return nil
	}
	if fi, err := os.Stat(o.dir); err != nil || !fi.IsDir() {
		return usageErrorf("--dir %s: not a folder", o.dir)
	}
	for _, p := range append([]string{o.glob}, o.exclude...) {
		if _, err := filepath.Match(p, ""); err != nil {
			return usageErrorf("bad socket pattern %q: %v", p, err)
		}
	}
	return nil
}

// addSources adds the expanded addresses and the folder to m, and seals it.
// Patterns that matched no socket count as failed sources.
func addSources(m *source.Merge, targets []conn.Addr, missing []string, label string, reconnect bool, d *dirOptions) {
	for _, pat := range missing {
		m.Fail(pat, fmt.Errorf("%s: no socket matches", pat))
	}
	for _, a := range targets {
		m.Dial(source.Target{Addr: a, Label: label, Reconnect: reconnect})
	}
	if d.dir != "" {
		d.watch(m, reconnect)
	}
	m.Seal()
}

// mergeOptions wires a Merge to the pipeline (schema per VM) and stderr.
func mergeOptions(s *Streams, p *pipeline.Pipeline, o *multiOptions, co conn.Options) source.Options {
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

// expandTargets parses the addresses and expands globs (which qmpwatch does
// itself, so that a quoted '/run/qemu/*.qmp' works); a glob keeps only
// sockets. Patterns that match no socket come back in missing.
func expandTargets(args []string) (targets []conn.Addr, missing []string, err error) {
	seen := map[string]bool{}
	add := func(a conn.Addr) {
		if !seen[a.String()] {
			seen[a.String()] = true
			targets = append(targets, a)
		}
	}
	for _, arg := range args {
		a, err := conn.ParseAddr(arg)
		if err != nil {
			return nil, nil, withCode(exitUsage, err)
		}
		if !isGlob(arg) {
			add(a)
			continue
		}
		matches, err := filepath.Glob(a.Address)
		if err != nil {
			return nil, nil, usageErrorf("bad pattern %q: %v", arg, err)
		}
		n := 0
		for _, path := range matches {
			if fi, err := os.Stat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
				add(conn.Addr{Network: "unix", Address: path})
				n++
			}
		}
		if n == 0 {
			missing = append(missing, arg)
		}
	}
	return targets, missing, nil
}

// printStatus writes the one line on stderr for a connection change.
func printStatus(w io.Writer, st source.Status) {
	fmt.Fprintln(w, pipeline.StatusLine(st))
}

// watch adds the folder watch to m.
func (o *dirOptions) watch(m *source.Merge, reconnect bool) {
	m.WatchDirWith(o.dir, source.DirOptions{Poll: dirPoll, Reconnect: reconnect, Match: o.match, FollowSymlinks: o.followLinks})
}
