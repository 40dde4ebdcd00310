package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/action"
	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/libvirt"
	"github.com/qmpwatch/qmpwatch/internal/metrics"
	"github.com/qmpwatch/qmpwatch/internal/pipeline"
	cmdrun "github.com/qmpwatch/qmpwatch/internal/run"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// serveOptions are serve's flags: watch's sources, plus the HTTP side.
type serveOptions struct {
	cmdutil.EventOptions   // -o json, -e/-x for it, --schema
	multiOptions           // --reconnect, --markers, --dir
	greetingTimeout        time.Duration
	dialTimeout            time.Duration
	queryTimeout           time.Duration
	record                 string
	listen                 string
	metricsAddr            string
	tlsCert                string
	tlsKey                 string
	forgetAfter            time.Duration
	socketMode             os.FileMode // --listen's socket
	share                  bool        // proxy.go: --share takes the --dir sockets over
	cmdutil.FleetOptions               // fleet.go: --publish and its access flags
	cmdutil.LibvirtOptions             // libvirt.go: --domain, for a libvirt URI
	src                    source.Spec
	discardOut             bool             // --exec or --otlp without -o json: the filters choose their events, stdout gets none
	actions                []*action.Action // the config file's actions
	otlpOptions                             // otlp.go: --otlp
	execOptions                             // exec.go: --exec, and the limits of the config file's actions
}

func newServeCmd(a *app) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:         "serve [ADDRESS...]",
		Annotations: cmdutil.Annotate(cmdutil.ArgsAddress, "sources", "actions"),
		Short:       "Watch VMs without a terminal and serve Prometheus metrics of their events",
		Long: `Watch every VM that watch would (addresses, globs, --dir, and VMs that dial
in to --listen), count their events, and serve the counts as Prometheus metrics
at http://127.0.0.1:9477/metrics, with /healthz for the service manager.
docs/metrics.md documents every metric.

Notices go to stderr (journald keeps them under systemd); with -o json, the
events also go to stdout, for a log shipper. --config FILE may hold every flag
by name, plus a list of sources:

  sources: [/run/qemu/vm1.qmp, {address: "tcp:127.0.0.1:4444", label: db1}]

and a list of actions, each a command or a webhook with its own filters
(docs/actions.md):

  actions:
    - {name: panic-page, events: [GUEST_PANICKED], exec: [/usr/local/bin/page-oncall, "{{.VM}}"]}

Runs until interrupted; without --reconnect, --dir or --listen it ends when
every monitor has gone.`,
		Example: `  qmpwatch serve --dir /run/qemu --reconnect --metrics 127.0.0.1:9477
  qmpwatch serve --config /etc/qmpwatch/serve.yaml
  qmpwatch serve --listen /run/qmpwatch.sock -o json >> /var/log/qmp-events.jsonl`,
		RunE: func(cmd *cobra.Command, args []string) error {
			// Sources and actions report from their own goroutines while
			// the pipeline writes warnings: one lock keeps stderr lines whole.
			ls := a.streams.Locked()
			if err := o.validate(a.config.Path, args, o.run(ls, cmdutil.HostLabel(o.HostLabel))); err != nil {
				return err
			}
			return runServe(cmd.Context(), ls, o)
		},
	}
	fs := cmd.Flags()
	fs.VarP(cmdutil.NewEnum(&o.Output, "", "json"), "output", "o", "json: also write every event to stdout as JSON lines")
	fs.StringSliceVarP(&o.Events, "event", "e", nil, "with -o json, --exec or --otlp: write, run for or send only events whose name matches a glob (metrics count every event)")
	fs.StringSliceVarP(&o.Excludes, "exclude", "x", nil, "with -o json, --exec or --otlp: leave out events whose name matches a glob")
	// No --strict: a violation is counted (qmpwatch_schema_violations_total)
	// and reported on stderr, never a reason for the daemon to stop.
	fs.Var(cmdutil.NewEnum(&o.Schema, "auto", "auto", "builtin", "live"), "schema", "validate against: auto (live when the monitor provides it), builtin, live")
	addMultiFlags(fs, &o.multiOptions)
	fs.BoolVar(&o.share, "share", false, "with --dir: take over each socket as proxy --takeover does, so that other QMP clients keep using the VMs' own paths; each is given back on exit")
	fs.StringVar(&o.listen, "listen", "", "also accept the monitor connections QEMU opens itself on ADDRESS (as qmpwatch listen)")
	fs.DurationVar(&o.greetingTimeout, "greeting-timeout", 5*time.Second, "how long to wait for QEMU's greeting after connecting")
	fs.DurationVar(&o.dialTimeout, "connect-timeout", 5*time.Second, "how long to wait for the connection")
	cmdutil.AddQueryTimeoutFlag(fs, &o.queryTimeout)
	fs.StringVar(&o.record, "record", "", "append every event received to FILE as json lines (mode 0600) for replay")
	fs.StringVar(&o.metricsAddr, "metrics", metrics.DefaultAddr, "serve /metrics, /healthz and / on HOST:PORT (loopback unless told otherwise)")
	fs.StringVar(&o.tlsCert, "metrics-tls-cert", "", "serve HTTPS with this certificate (PEM); needs --metrics-tls-key")
	fs.StringVar(&o.tlsKey, "metrics-tls-key", "", "the private key of --metrics-tls-cert (PEM)")
	fs.DurationVar(&o.forgetAfter, "forget-after", metrics.DefaultForgetAfter, "drop the series of a VM that has been gone this long")
	fs.Var(cmdutil.NewFileMode(&o.socketMode, 0o600), "socket-mode", "permissions of --listen's unix socket, in octal: who may connect (0660 lets the group in, e.g. libvirt's qemu)")
	cmdutil.AddFleetPublishFlags(fs, &o.FleetOptions)
	cmdutil.AddLibvirtFlags(fs, &o.LibvirtOptions)
	addOTLPFlag(fs, &o.otlpOptions)
	addExecFlags(fs, &o.execOptions)
	return cmd
}

func runServe(ctx context.Context, ls *iostreams.Streams, o *serveOptions) error {
	defer ls.CloseErr() // last: after the publisher and the actions have said what they could not do
	stopOTLP, err := startOTLP(ctx, ls, &o.otlpOptions, &o.EventOptions)
	if err != nil {
		return err
	}
	defer stopOTLP()
	pub, err := startPublishing(ls, &o.FleetOptions)
	if err != nil {
		return err
	}
	hooks := []func(*pipeline.Options){func(po *pipeline.Options) {
		if o.discardOut {
			po.Out = io.Discard // --exec or --otlp without -o json: the events pass the filters, stdout gets none
		}
	}}
	if pub != nil {
		defer closePublisher(ctx, pub)
		// The stream gets every event, in order, before the -o json filters.
		hooks = append(hooks, func(po *pipeline.Options) { po.Tee = pub.Publish })
	}
	var p *pipeline.Pipeline

	// Events a sink lost are not silently gone: qmpwatch_events_dropped_total{sink}.
	ao := metrics.AgentOptions{Options: metrics.Options{ForgetAfter: o.forgetAfter, Lost: map[string]func() map[string]uint64{},
		Note: func(line string) { fmt.Fprintln(ls.Notices(), line) }},
		Addr: o.metricsAddr, TLSCert: o.tlsCert, TLSKey: o.tlsKey, Notes: ls.ErrOut,
		Configured: o.src.Configured(), Watchers: o.src.Watchers(),
		Status:      func(st source.Status) { printStatus(ls.ErrOut, st) },
		Check:       func(ev *decode.Event) { _ = p.Check(ev) }, // fills ev.Check; without --strict it never fails
		AttachState: func(c *conn.Client) (string, track.RunState, bool, error) { return p.AttachState(c) },
	}
	if pub != nil {
		ao.Lost["nats"] = pub.DroppedByVM
	}
	if o.sink != nil {
		ao.Lost["otlp"] = o.sink.DroppedByVM
	}
	ao.Collector = metrics.New(ao.Options)
	// Closed once the pipeline has run: queued runs get --exec-timeout.
	execEng, actEng := o.startExec(ls, cmdutil.HostLabel(o.HostLabel), ao.Collector), o.startActions(ls, ao.Collector, o.actions...)
	defer execEng.Close()
	defer actEng.Close()
	// --exec runs for the events -e/-x let through; each action has its
	// own filters, so it is given every event.
	hooks = append(append(hooks, sinkHook(execEng)...), teeHook(actEng)...)
	if p, err = cmdutil.NewPipeline(ls, &o.EventOptions, true, o.record, hooks...); err != nil {
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
	co := conn.Options{DialTimeout: o.dialTimeout, GreetingTimeout: o.greetingTimeout, QueryTimeout: o.queryTimeout}
	mo := o.withAddresses(agent.SourceOptions(co))
	if o.share {
		defer cmdrun.ProxyShare(ctx, ls, &mo.Conn)() // after the Merge has ended: each path given back
	}
	op, err := o.src.Open(ctx, source.OpenOptions{Options: mo, Libvirt: libvirt.Options{DialTimeout: o.dialTimeout},
		Notes: ls.ErrOut, Seed: agent.SetState})
	if err != nil {
		return err
	}
	defer op.Close()
	agent.Also(op.ListenKept) // a deleted socket: QEMU cannot connect
	return agent.Run(ctx, func(ctx context.Context) error { return p.Run(ctx, op) })
}
