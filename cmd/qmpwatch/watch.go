package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

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

type watchOptions struct {
	cmdutil.EventOptions
	greetingTimeout        time.Duration
	dialTimeout            time.Duration
	queryTimeout           time.Duration
	record                 string
	multiOptions           // multi.go: --reconnect, --markers, --dir, many addresses
	cmdutil.LibvirtOptions // libvirt.go: --domain
	cmdutil.FleetOptions   // fleet.go: nats:// sources and --publish
	src                    source.Spec
	otlpOptions            // otlp.go: --otlp
	execOptions            // exec.go: --exec
}

func newWatchCmd(a *app) *cobra.Command {
	o := &watchOptions{}
	cmd := &cobra.Command{
		Use:         "watch ADDRESS...",
		Annotations: cmdutil.Annotate(cmdutil.ArgsAddress),
		Short:       "Print the live events of a QEMU monitor",
		Long: `Connect to a QEMU QMP monitor and print every event it sends until QEMU closes
the connection or you interrupt. ADDRESS is a unix socket path (/run/vm1.qmp or
unix:/run/vm1.qmp) or a TCP address (tcp:127.0.0.1:4444, 127.0.0.1:4444, [::1]:4444).

QEMU serves one QMP client at a time: give the VM a second monitor for qmpwatch,
e.g. -qmp unix:/run/vm1-watch.qmp,server=on,wait=off.

ADDRESS nats://[user:pass@]host:port reads the fleet stream that qmpwatch
--publish fills on each host, through NATS JetStream (--host, --vm, --since,
--durable; see docs/fleet.md).

Output is pretty on a terminal and JSON lines (QEMU's event plus "vm") in a pipe.`,
		Example: `  qmpwatch watch /run/vm1.qmp
  qmpwatch watch tcp:127.0.0.1:4444 -o pretty
  qmpwatch watch vm1.qmp -o json | jq .data
  qmpwatch watch vm1.qmp --label web1 | grep --line-buffered SHUTDOWN
  qmpwatch watch qemu:///system --domain 'web*'   # libvirt's domains (docs/libvirt.md)
  qmpwatch watch --dir /run/qemu --reconnect --publish nats://nats:4222 --host-label $(hostname)
  qmpwatch watch nats://nats:4222 --host 'db-*' --since 1h -o json`,
		Args: watchArgs(&o.multiOptions),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.complete(args)
			if err := o.validate(); err != nil {
				return err
			}
			return o.run(cmd.Context(), a.streams)
		},
	}
	fs := cmd.Flags()
	cmdutil.AddOutputFlags(fs, &o.EventOptions)
	cmdutil.AddFilterFlags(fs, &o.EventOptions)
	cmdutil.AddSchemaFlags(fs, &o.EventOptions)
	fs.DurationVar(&o.greetingTimeout, "greeting-timeout", 5*time.Second, "how long to wait for QEMU's greeting after connecting")
	fs.DurationVar(&o.dialTimeout, "connect-timeout", 5*time.Second, "how long to wait for the connection")
	cmdutil.AddQueryTimeoutFlag(fs, &o.queryTimeout)
	addMultiFlags(fs, &o.multiOptions)
	cmdutil.AddLibvirtFlags(fs, &o.LibvirtOptions)
	fs.StringVar(&o.record, "record", "", "append every event received, before any filter, to FILE as json lines (mode 0600) for replay")
	cmdutil.AddFleetFlags(fs, &o.FleetOptions)
	addOTLPFlag(fs, &o.otlpOptions)
	addExecFlags(fs, &o.execOptions)
	return cmd
}

// complete turns the flags and arguments into the description of what
// to read.
func (o *watchOptions) complete(args []string) {
	o.src = source.Spec{Args: args, Label: o.Label, Reconnect: o.reconnect, Markers: o.markers, Domains: o.Domains,
		Fleet: o.FleetReadOptions.Spec(o.Durable, o.Events)}
	o.DirOptions.Fill(&o.src)
}

// validate checks everything before any socket, file or server is opened.
func (o *watchOptions) validate() error {
	if err := o.execOptions.validate(o.exec != ""); err != nil {
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
	return o.src.Resolve()
}

func (o *watchOptions) run(ctx context.Context, s *iostreams.Streams) error {
	// The sources and the publisher report from their goroutines while the
	// pipeline writes warnings: one lock keeps stderr lines whole. It is
	// closed last, after the publisher has said what it could not send.
	ls := s.Locked()
	defer ls.CloseErr()
	stopOTLP, err := startOTLP(ctx, ls, &o.otlpOptions, &o.EventOptions)
	if err != nil {
		return err
	}
	defer stopOTLP()
	var pub *fleet.Publisher
	var op *source.Opened
	// Closed once the pipeline has run: the last events' runs finish.
	eng := o.startExec(ls, cmdutil.HostLabel(o.HostLabel), nil)
	defer eng.Close()
	p, err := cmdutil.NewPipeline(ls, &o.EventOptions, o.src.Many(), o.record, append(sinkHook(eng), func(po *pipeline.Options) {
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
	if pub, err = startPublishing(ls, &o.FleetOptions); err != nil {
		return err
	}
	if pub != nil {
		defer closePublisher(ctx, pub)
	}
	if addr, ok := o.src.Single(); ok {
		return o.runSingle(ctx, ls, p, addr)
	}
	op, err = o.src.Open(ctx, source.OpenOptions{
		Options: o.withAddresses(mergeOptions(ls, p, &o.multiOptions, o.connOptions())),
		Libvirt: libvirt.Options{DialTimeout: o.dialTimeout},
		Notes:   ls.Notices(), // a nats:// source's "reading stream" goes quiet with -q
	})
	if err != nil {
		return err
	}
	defer op.Close()
	return o.endErr(p.Run(ctx, op))
}

func (o *watchOptions) connOptions() conn.Options {
	return conn.Options{DialTimeout: o.dialTimeout, GreetingTimeout: o.greetingTimeout, QueryTimeout: o.queryTimeout}
}

// runSingle is a plain `watch ADDRESS`: one client, no Merge.
func (o *watchOptions) runSingle(ctx context.Context, ls *iostreams.Streams, p *pipeline.Pipeline, addr conn.Addr) error {
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
	if o.sink != nil {
		o.sink.Status(connected) // the address, for qemu.monitor.address
	}
	printStatus(ls.Notices(), connected)
	// Single reports the end (Ended) once Run has flushed the events before
	// it, so "closed" never comes before stdout's last event.
	return o.endErr(p.Run(ctx, source.NewSingle(c, func(st source.Status) { o.status(ls, st) })))
}
