package run

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/action"
	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/libvirt"
	"github.com/qmpwatch/qmpwatch/internal/metrics"
	"github.com/qmpwatch/qmpwatch/internal/pipeline"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// ServeOptions are serve's options: watch's sources, plus the HTTP side.
type ServeOptions struct {
	cmdutil.EventOptions   // -o json, -e/-x for it, --schema
	cmdutil.MultiOptions   // --reconnect, --markers, --dir
	GreetingTimeout        time.Duration
	DialTimeout            time.Duration
	QueryTimeout           time.Duration
	Record                 string
	Listen                 string
	MetricsAddr            string
	TLSCert                string
	TLSKey                 string
	ForgetAfter            time.Duration
	SocketMode             os.FileMode // --listen's socket
	Share                  bool        // --share takes the --dir sockets over
	cmdutil.FleetOptions               // --publish and its access flags
	cmdutil.LibvirtOptions             // --domain, for a libvirt URI
	SinkOptions                        // --otlp, --exec, and the limits of the config file's actions

	args       []string
	src        source.Spec
	discardOut bool             // --exec or --otlp without -o json: the filters choose their events, stdout gets none
	actions    []*action.Action // the config file's actions
}

// Complete takes the addresses to watch.
func (o *ServeOptions) Complete(args []string) { o.args = args }

// Serve watches what o describes, checked by Validate, and serves the
// metrics of its events until ctx ends (or every monitor has gone).
func Serve(ctx context.Context, ls *iostreams.Streams, o *ServeOptions) error {
	defer ls.CloseErr() // last: after the publisher and the actions have said what they could not do
	stopOTLP, err := o.startOTLP(ctx, ls, &o.EventOptions)
	if err != nil {
		return err
	}
	defer stopOTLP()
	pub, err := sinkPublisher(ls, &o.FleetOptions)
	if err != nil {
		return err
	}
	hooks := []func(*pipeline.Options){func(po *pipeline.Options) {
		if o.discardOut {
			po.Out = io.Discard // --exec or --otlp without -o json: the events pass the filters, stdout gets none
		}
	}}
	if pub != nil {
		defer sinkClosePublisher(ctx, pub)
		// The stream gets every event, in order, before the -o json filters.
		hooks = append(hooks, func(po *pipeline.Options) { po.Tee = pub.Publish })
	}
	var p *pipeline.Pipeline

	// Events a sink lost are not silently gone: qmpwatch_events_dropped_total{sink}.
	ao := metrics.AgentOptions{Options: metrics.Options{ForgetAfter: o.ForgetAfter, Lost: map[string]func() map[string]uint64{},
		Note: func(line string) { fmt.Fprintln(ls.Notices(), line) }},
		Addr: o.MetricsAddr, TLSCert: o.TLSCert, TLSKey: o.TLSKey, Notes: ls.ErrOut,
		Configured: o.src.Configured(), Watchers: o.src.Watchers(),
		Status:      func(st source.Status) { watchPrintStatus(ls.ErrOut, st) },
		Check:       func(ev *decode.Event) { _ = p.Check(ev) }, // fills ev.Check; without --strict it never fails
		AttachState: func(c *conn.Client) (string, track.RunState, bool, error) { return p.AttachState(c) },
	}
	if pub != nil {
		ao.Lost["nats"] = pub.DroppedByVM
	}
	if o.otlp != nil {
		ao.Lost["otlp"] = o.otlp.DroppedByVM
	}
	ao.Collector = metrics.New(ao.Options)
	// Closed once the pipeline has run: queued runs get --exec-timeout.
	execEng := SinkExec(ls, &o.ExecOptions, cmdutil.HostLabel(o.HostLabel), ao.Collector)
	actEng := sinkActions(ls, &o.ExecOptions, ao.Collector, o.actions...)
	defer execEng.Close()
	defer actEng.Close()
	// --exec runs for the events -e/-x let through; each action has its
	// own filters, so it is given every event.
	hooks = append(append(hooks, SinkHook(execEng)...), sinkTee(actEng)...)
	if p, err = cmdutil.NewPipeline(ls, &o.EventOptions, true, o.Record, hooks...); err != nil {
		return err
	}
	defer p.Close()
	agent, err := metrics.StartAgent(ctx, ao)
	if err != nil {
		return err
	}
	defer agent.Close()
	if pub != nil {
		agent.Also(pub.Problem) // a stuck publisher is not healthy
	}
	co := conn.Options{DialTimeout: o.DialTimeout, GreetingTimeout: o.GreetingTimeout, QueryTimeout: o.QueryTimeout}
	mo := o.withAddresses(agent.SourceOptions(co))
	if o.Share {
		defer ProxyShare(ctx, ls, &mo.Conn)() // after the Merge has ended: each path given back
	}
	op, err := o.src.Open(ctx, source.OpenOptions{Options: mo, Libvirt: libvirt.Options{DialTimeout: o.DialTimeout},
		Notes: ls.ErrOut, Seed: agent.SetState})
	if err != nil {
		return err
	}
	defer op.Close()
	agent.Also(op.ListenKept) // a deleted socket: QEMU cannot connect
	return agent.Run(ctx, func(ctx context.Context) error { return p.Run(ctx, op) })
}
