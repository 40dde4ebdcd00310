package run

import (
	"context"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/fleet"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/libvirt"
	"github.com/qmpwatch/qmpwatch/internal/pipeline"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// WatchOptions are watch's options, the fields its flags fill (demo
// fills the event flags alone).
type WatchOptions struct {
	cmdutil.EventOptions
	GreetingTimeout        time.Duration
	DialTimeout            time.Duration
	QueryTimeout           time.Duration
	Record                 string
	cmdutil.MultiOptions   // --reconnect, --markers, --dir, --fail-without-shutdown
	cmdutil.LibvirtOptions // --domain
	cmdutil.FleetOptions   // nats:// sources and --publish
	SinkOptions            // --otlp, --exec
	src                    source.Spec
	state                  WatchState
}

// Complete turns the flags and arguments into the description of what
// to read.
func (o *WatchOptions) Complete(args []string) {
	o.src = source.Spec{Args: args, Label: o.Label, Reconnect: o.Reconnect, Markers: o.Markers, Domains: o.Domains,
		Fleet: o.FleetReadOptions.Spec(o.Durable, o.Events)}
	o.DirOptions.Fill(&o.src)
}

// Validate checks everything before any socket, file or server is opened.
func (o *WatchOptions) Validate() error {
	if err := o.ExecOptions.Validate(o.Exec != ""); err != nil {
		return err
	}
	if err := o.src.Validate(); err != nil {
		return err
	}
	if _, ok := o.src.Libvirt(); ok && o.Schema == "live" {
		return exitcode.Usagef("--schema live asks QEMU for its schema, which qmpwatch never does through libvirt: use auto or builtin")
	}
	if err := o.CheckPublish(o.src.HasFleet()); err != nil {
		return err
	}
	if err := o.src.Resolve(); err != nil {
		return err
	}
	return o.validateOTLP()
}

// Watch prints the events of what o describes, checked by Validate.
func Watch(ctx context.Context, s *iostreams.Streams, o *WatchOptions) error {
	// The sources and the publisher report from their goroutines while the
	// pipeline writes warnings: one lock keeps stderr lines whole. It is
	// closed last, after the publisher has said what it could not send.
	ls := s.Locked()
	defer ls.CloseErr()
	stopOTLP, err := o.startOTLP(ctx, ls, &o.EventOptions)
	if err != nil {
		return err
	}
	defer stopOTLP()
	var pub *fleet.Publisher
	var op *source.Opened
	// Closed once the pipeline has run: the last events' runs finish.
	eng := SinkExec(ls, &o.ExecOptions, cmdutil.HostLabel(o.HostLabel), nil)
	defer eng.Close()
	p, err := cmdutil.NewPipeline(ls, &o.EventOptions, o.src.Many(), o.Record, append(SinkHook(eng), func(po *pipeline.Options) {
		if o.Publish != "" {
			po.Tee = func(ev *decode.Event) { pub.Publish(ev) } // started below, before any event
		}
		if o.src.HasFleet() && o.Durable != "" {
			po.Handled = func(ev *decode.Event) { op.Handled(ev) } // acknowledges what was handled
		}
	})...)
	if err != nil {
		return err
	}
	defer p.Close()
	if pub, err = sinkPublisher(ls, &o.FleetOptions); err != nil {
		return err
	}
	if pub != nil {
		defer sinkClosePublisher(ctx, pub)
	}
	if addr, ok := o.src.Single(); ok {
		return o.single(ctx, ls, p, addr)
	}
	op, err = o.src.Open(ctx, source.OpenOptions{
		Options: o.withAddresses(o.state.MergeOptions(ls, p, o.Markers, o.connOptions())),
		Libvirt: libvirt.Options{DialTimeout: o.DialTimeout},
		Notes:   ls.Notices(), // a nats:// source's "reading stream" goes quiet with -q
	})
	if err != nil {
		return err
	}
	defer op.Close()
	return o.state.End(p.Run(ctx, op), o.FailOnGone)
}

func (o *WatchOptions) connOptions() conn.Options {
	return conn.Options{DialTimeout: o.DialTimeout, GreetingTimeout: o.GreetingTimeout, QueryTimeout: o.QueryTimeout}
}

// single is a plain `watch ADDRESS`: one client, no Merge.
func (o *WatchOptions) single(ctx context.Context, ls *iostreams.Streams, p *pipeline.Pipeline, addr conn.Addr) error {
	// --timeout bounds the whole wait: connecting and the startup queries
	// too, not only the events (p.Deadline).
	co := o.connOptions()
	co.Deadline = p.Deadline()
	c, name, err := source.Open(ctx, addr, co, o.Label)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return p.DeadlineErr(err)
	}
	defer c.Close()
	note, err := p.Attach(c)
	if err != nil {
		return p.DeadlineErr(err)
	}
	connected := source.Status{Kind: source.Connected, Addr: addr.String(), VM: c.Label(), Name: name, QEMU: c.Greeting().Version, Note: note}
	if o.otlp != nil {
		o.otlp.Status(connected) // the address, for qemu.monitor.address
	}
	watchPrintStatus(ls.Notices(), connected)
	// Single reports the end (Ended) once Run has flushed the events before
	// it, so "closed" never comes before stdout's last event.
	return o.state.End(p.Run(ctx, source.NewSingle(c, func(st source.Status) { o.state.Status(ls, st) })), o.FailOnGone)
}
