package run

import (
	"context"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/action"
	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/fleet"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/metrics"
	"github.com/qmpwatch/qmpwatch/internal/otlp"
	"github.com/qmpwatch/qmpwatch/internal/pipeline"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/version"
)

// SinkOptions are the outputs beside stdout that watch and serve share:
// --otlp (docs/otlp.md) and --exec with the limits of every action.
type SinkOptions struct {
	OTLP string // the collector's URL
	cmdutil.ExecOptions
	otlp *otlp.Sink // started by startOTLP
}

// validateOTLP checks --otlp's URL.
func (o *SinkOptions) validateOTLP() error {
	if o.OTLP == "" {
		return nil
	}
	if _, err := otlp.CheckURL(o.OTLP); err != nil {
		return exitcode.With(exitcode.Usage, err)
	}
	return nil
}

// startOTLP starts the --otlp sink, when asked for, as one of eo's sinks,
// and returns what stops it: the queue gets a deadline to drain, shorter
// when qmpwatch was interrupted (SIGINT, SIGTERM). It opens no connection;
// validateOTLP has checked the URL.
func (o *SinkOptions) startOTLP(ctx context.Context, s *iostreams.Streams, eo *cmdutil.EventOptions) (stop func(), err error) {
	if o.OTLP == "" {
		return func() {}, nil
	}
	v, _ := version.Get()
	o.otlp, err = otlp.New(otlp.Options{URL: o.OTLP, Version: v, Host: cmdutil.HostLabel(""), Notes: s.ErrOut})
	if err != nil {
		return nil, err
	}
	eo.Sinks = append(eo.Sinks, o.otlp)
	return func() {
		grace := 30 * time.Second
		if ctx.Err() != nil {
			grace = otlp.FlushTimeout
		}
		o.otlp.Close(grace)
	}, nil
}

// withAddresses also tells the --otlp sink each VM's monitor address, for
// the records' qemu.monitor.address.
func (o *SinkOptions) withAddresses(so source.Options) source.Options {
	if o.otlp == nil {
		return so
	}
	status := so.Status
	so.Status = func(st source.Status) {
		o.otlp.Status(st)
		status(st)
	}
	return so
}

// sinkActionRun is what every action's runs share.
func sinkActionRun(s *iostreams.Streams, o *cmdutil.ExecOptions, host string) action.Run {
	return action.Run{Host: host, Timeout: o.ExecTimeout, TimeoutFlag: "--exec-timeout", Out: s.ErrOut}
}

// sinkActions starts an engine for the actions (nil when there are
// none), counting in col when it is set (serve). Close it after the
// pipeline has run, before stderr closes.
func sinkActions(s *iostreams.Streams, o *cmdutil.ExecOptions, col *metrics.Collector, actions ...*action.Action) *action.Engine {
	if len(actions) == 0 {
		return nil
	}
	ao := action.Options{Jobs: o.ExecJobs, Queue: o.ExecQueue, QueueFlag: "--exec-queue", Grace: o.ExecTimeout, ErrOut: s.ErrOut}
	if col != nil {
		ao.Ran, ao.Dropped = col.Ran, col.Dropped
	}
	return action.New(ao, actions...)
}

// SinkExec starts --exec's engine, nil without --exec, counting in col
// when it is set (serve). Close it after the pipeline has run: the last
// events' runs finish.
func SinkExec(s *iostreams.Streams, o *cmdutil.ExecOptions, host string, col *metrics.Collector) *action.Engine {
	if o.Exec == "" {
		return nil
	}
	r := sinkActionRun(s, o, host)
	return sinkActions(s, o, col, &action.Action{Name: "--exec", Kind: action.KindExec,
		Runner: &action.Command{Shell: o.Exec, Host: r.Host, Timeout: r.Timeout, TimeoutFlag: r.TimeoutFlag, Out: r.Out}})
}

// SinkHook makes eng a sink of the pipeline: it gets the events that pass
// the filters. No hook for a nil engine.
func SinkHook(eng *action.Engine) []func(*pipeline.Options) {
	if eng == nil {
		return nil
	}
	return []func(*pipeline.Options){func(po *pipeline.Options) { po.Sinks = append(po.Sinks, eng) }}
}

// sinkTee gives eng every event received, before the pipeline's filters
// (serve's config actions have their own), after any tee already set.
func sinkTee(eng *action.Engine) []func(*pipeline.Options) {
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

// sinkPublisher starts the checked --publish tee, or returns nil when it
// is not asked for. The caller closes it (sinkClosePublisher) when its
// stream ends.
func sinkPublisher(s *iostreams.Streams, o *cmdutil.FleetOptions) (*fleet.Publisher, error) {
	if o.Publish == "" {
		return nil, nil
	}
	return fleet.NewPublisher(fleet.PublisherOptions{Access: fleet.Access{URL: o.Publish, Creds: o.Creds, TLSCA: o.TLSCA}, Host: cmdutil.HostLabel(o.HostLabel),
		Stream: o.Stream, MaxAge: o.MaxAge, Buffer: o.Buffer, Notes: s.ErrOut})
}

// sinkClosePublisher lets the acknowledgements of the last events arrive;
// an interrupted qmpwatch waits less.
func sinkClosePublisher(ctx context.Context, pub *fleet.Publisher) {
	grace := 30 * time.Second
	if ctx.Err() != nil {
		grace = 2 * time.Second
	}
	pub.Close(grace)
}
