package main

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/qmpwatch/qmpwatch/internal/action"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/metrics"
	"github.com/qmpwatch/qmpwatch/internal/pipeline"
)

// execOptions are --exec and the limits that every action shares (the
// config file's actions of serve too).
type execOptions struct {
	exec        string
	execJobs    int
	execQueue   int
	execTimeout time.Duration
}

func addExecFlags(fs *pflag.FlagSet, o *execOptions) {
	fs.StringVar(&o.exec, "exec", "", "run COMMAND through /bin/sh -c for every event that passes the filters: its -o json line on stdin, QMPWATCH_EVENT, QMPWATCH_VM, QMPWATCH_HOST, QMPWATCH_TIME, QMPWATCH_SUMMARY in its environment (docs/actions.md)")
	fs.IntVar(&o.execJobs, "exec-jobs", action.DefaultJobs, "runs of --exec (and of actions) at once, each for a different VM; a VM's runs go one at a time, in order")
	fs.IntVar(&o.execQueue, "exec-queue", action.DefaultQueue, "runs waiting per VM; past it the oldest are dropped, said and counted")
	fs.DurationVar(&o.execTimeout, "exec-timeout", action.DefaultTimeout, "kill a run (its whole process group) after this long; at exit, how long the queued runs get to finish")
}

// validate checks the limits when something will use them (--exec, or
// serve's actions): a command built without these flags (demo) has none.
func (o *execOptions) validate(used bool) error {
	switch {
	case !used:
		return nil
	case o.execJobs <= 0:
		return exitcode.Usagef("--exec-jobs must be positive, got %d", o.execJobs)
	case o.execQueue <= 0:
		return exitcode.Usagef("--exec-queue must be positive, got %d", o.execQueue)
	case o.execTimeout <= 0:
		return exitcode.Usagef("--exec-timeout must be positive, got %s", o.execTimeout)
	}
	return nil
}

// run is what every action's runs share.
func (o *execOptions) run(s *iostreams.Streams, host string) action.Run {
	return action.Run{Host: host, Timeout: o.execTimeout, TimeoutFlag: "--exec-timeout", Out: s.ErrOut}
}

// startActions starts an engine for the actions (nil when there are
// none), counting in col when it is set (serve). Close it after the
// pipeline has run, before stderr closes.
func (o *execOptions) startActions(s *iostreams.Streams, col *metrics.Collector, actions ...*action.Action) *action.Engine {
	if len(actions) == 0 {
		return nil
	}
	ao := action.Options{Jobs: o.execJobs, Queue: o.execQueue, QueueFlag: "--exec-queue", Grace: o.execTimeout, ErrOut: s.ErrOut}
	if col != nil {
		ao.Ran, ao.Dropped = col.Ran, col.Dropped
	}
	return action.New(ao, actions...)
}

// startExec starts --exec's engine, nil without --exec.
func (o *execOptions) startExec(s *iostreams.Streams, host string, col *metrics.Collector) *action.Engine {
	if o.exec == "" {
		return nil
	}
	r := o.run(s, host)
	return o.startActions(s, col, &action.Action{Name: "--exec", Kind: action.KindExec,
		Runner: &action.Command{Shell: o.exec, Host: r.Host, Timeout: r.Timeout, TimeoutFlag: r.TimeoutFlag, Out: r.Out}})
}

// sinkHook makes eng a sink of the pipeline: it gets the events that pass
// the filters. No hook for a nil engine.
func sinkHook(eng *action.Engine) []func(*pipeline.Options) {
	if eng == nil {
		return nil
	}
	return []func(*pipeline.Options){func(po *pipeline.Options) { po.Sinks = append(po.Sinks, eng) }}
}

// teeHook gives eng every event received, before the pipeline's filters
// (serve's config actions have their own), after any tee already set.
func teeHook(eng *action.Engine) []func(*pipeline.Options) {
	if eng == nil {
		return nil
	}
	return []func(*pipeline.Options){func(po *pipeline.Options) {
		prev := po.Tee
		po.Tee = func(ev *decode.Event) {
			if prev != nil {
				prev(ev)
			}
			eng.Deliver(ev)
		}
	}}
}
