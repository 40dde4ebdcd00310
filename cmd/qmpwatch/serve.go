package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/metrics"
	"github.com/qmpwatch/qmpwatch/internal/pipeline"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// serveOptions are serve's flags: watch's sources, plus the HTTP side.
type serveOptions struct {
	eventOptions    // -o json, -e/-x for it, --schema
	multiOptions    // --reconnect, --markers, --dir
	greetingTimeout time.Duration
	dialTimeout     time.Duration
	queryTimeout    time.Duration
	record          string
	listen          string
	metricsAddr     string
	tlsCert         string
	tlsKey          string
	forgetAfter     time.Duration
	socketMode      os.FileMode // --listen's socket
	share           bool        // proxy.go: --share takes the --dir sockets over
	fleetOptions                // fleet.go: --publish and its access flags
	libvirtOptions              // libvirt.go: --domain, for a libvirt URI
	otlpOptions                 // otlp.go: --otlp
}

func newServeCmd(a *app) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:         "serve [ADDRESS...]",
		Annotations: map[string]string{configKeysAnnotation: "sources", argsAnnotation: argsAddress},
		Short:       "Watch VMs without a terminal and serve Prometheus metrics of their events",
		Long: `Watch every VM that watch would (addresses, globs, --dir, and VMs that dial
in to --listen), count their events, and serve the counts as Prometheus metrics
at http://127.0.0.1:9477/metrics, with /healthz for the service manager.
docs/metrics.md documents every metric.

Notices go to stderr (journald keeps them under systemd); with -o json, the
events also go to stdout, for a log shipper. --config FILE may hold every flag
by name, plus a list of sources:

  sources: [/run/qemu/vm1.qmp, {address: "tcp:127.0.0.1:4444", label: db1}]

Runs until interrupted; without --reconnect, --dir or --listen it ends when
every monitor has gone.`,
		Example: `  qmpwatch serve --dir /run/qemu --reconnect --metrics 127.0.0.1:9477
  qmpwatch serve --config /etc/qmpwatch/serve.yaml
  qmpwatch serve --listen /run/qmpwatch.sock -o json >> /var/log/qmp-events.jsonl`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runServe(cmd.Context(), a, o, args)
		},
	}
	fs := cmd.Flags()
	fs.VarP(newEnum(&o.output, "", "json"), "output", "o", "json: also write every event to stdout as JSON lines")
	fs.StringSliceVarP(&o.events, "event", "e", nil, "with -o json or --otlp: write or send only events whose name matches a glob (metrics count every event)")
	fs.StringSliceVarP(&o.excludes, "exclude", "x", nil, "with -o json or --otlp: do not write or send events whose name matches a glob")
	// No --strict: a violation is counted (qmpwatch_schema_violations_total)
	// and reported on stderr, never a reason for the daemon to stop.
	fs.Var(newEnum(&o.schema, "auto", "auto", "builtin", "live"), "schema", "validate against: auto (live when the monitor provides it), builtin, live")
	addMultiFlags(fs, &o.multiOptions)
	fs.BoolVar(&o.share, "share", false, "with --dir: take over each socket as proxy --takeover does, so that other QMP clients keep using the VMs' own paths; each is given back on exit")
	fs.StringVar(&o.listen, "listen", "", "also accept the monitor connections QEMU opens itself on ADDRESS (as qmpwatch listen)")
	fs.DurationVar(&o.greetingTimeout, "greeting-timeout", 5*time.Second, "how long to wait for QEMU's greeting after connecting")
	fs.DurationVar(&o.dialTimeout, "connect-timeout", 5*time.Second, "how long to wait for the connection")
	addQueryTimeoutFlag(fs, &o.queryTimeout)
	fs.StringVar(&o.record, "record", "", "append every event received to FILE as json lines (mode 0600) for replay")
	fs.StringVar(&o.metricsAddr, "metrics", metrics.DefaultAddr, "serve /metrics, /healthz and / on HOST:PORT (loopback unless told otherwise)")
	fs.StringVar(&o.tlsCert, "metrics-tls-cert", "", "serve HTTPS with this certificate (PEM); needs --metrics-tls-key")
	fs.StringVar(&o.tlsKey, "metrics-tls-key", "", "the private key of --metrics-tls-cert (PEM)")
	fs.DurationVar(&o.forgetAfter, "forget-after", metrics.DefaultForgetAfter, "drop the series of a VM that has been gone this long")
	fs.Var(newFileMode(&o.socketMode, 0o600), "socket-mode", "permissions of --listen's unix socket, in octal: who may connect (0660 lets the group in, e.g. libvirt's qemu)")
	addFleetPublishFlags(fs, &o.fleetOptions)
	addLibvirtFlags(fs, &o.libvirtOptions)
	addOTLPFlag(fs, &o.otlpOptions)
	return cmd
}

func runServe(ctx context.Context, a *app, o *serveOptions, args []string) error {
	plan, err := planServe(a.configFile, o, args)
	if err != nil {
		return err
	}
	if o.share && o.dir == "" {
		return usageErrorf("--share takes over the sockets of --dir: give --dir")
	}
	// Sources report from their own goroutines while the pipeline writes
	// warnings: one lock keeps stderr lines whole.
	ls := a.streams.lockedStderr()
	defer ls.closeStderr() // last: after the publisher has said what it could not send
	stopOTLP, err := startOTLP(ctx, ls, &o.otlpOptions, &o.eventOptions)
	if err != nil {
		return err
	}
	defer stopOTLP()
	pub, err := startPublishing(ls, &o.fleetOptions)
	if err != nil {
		return err
	}
	var hooks []func(*pipeline.Options)
	if plan.discardOut {
		hooks = append(hooks, func(po *pipeline.Options) { po.Out = io.Discard })
	}
	if pub != nil {
		defer closePublisher(ctx, pub)
		// The stream gets every event, in order, before the -o json filters.
		hooks = append(hooks, func(po *pipeline.Options) { po.Tee = pub.Publish })
	}
	p, err := newPipeline(ls, &o.eventOptions, true, o.record, hooks...)
	if err != nil {
		return err
	}
	defer p.Close()

	// Events a sink lost are not silently gone: qmpwatch_events_dropped_total{sink}.
	mopts := metrics.Options{ForgetAfter: o.forgetAfter, Lost: map[string]func() map[string]uint64{},
		Note: func(line string) { fmt.Fprintln(ls.notices(), line) }}
	if pub != nil {
		mopts.Lost["nats"] = pub.DroppedByVM
	}
	if o.sink != nil {
		mopts.Lost["otlp"] = o.sink.DroppedByVM
	}
	col := metrics.New(mopts)
	health := metrics.NewHealth(plan.configured...)
	if pub != nil {
		health.Also(pub.Problem) // a stuck publisher is not healthy
	}
	for _, w := range plan.watchers {
		health.Watch(w)
	}
	srv, err := metrics.Listen(o.metricsAddr, o.tlsCert, o.tlsKey, metrics.Handler(col, health))
	if err != nil {
		return err
	}
	sctx, stopServer := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx) }()
	defer func() {
		stopServer()
		<-served
	}()
	fmt.Fprintf(ls.ErrOut, "qmpwatch: serving metrics on %s\n", render.Safe(srv.URL()))

	mctx, cancel := context.WithCancel(ctx)
	mo := mergeOptions(ls, p, &o.multiOptions, conn.Options{DialTimeout: o.dialTimeout, GreetingTimeout: o.greetingTimeout, QueryTimeout: o.queryTimeout})
	if o.share {
		defer shareMonitors(ctx, ls, &mo.Conn)() // after the Merge has ended: each path given back
	}
	mo.Status = func(st source.Status) {
		printStatus(ls.ErrOut, st)
		col.Status(st)
		health.Status(st)
	}
	mo.Attach = func(c *conn.Client) (string, error) {
		note, st, ok, err := p.AttachState(c)
		if ok {
			col.SetState(c.Label(), st) // a courtesy, as in the note: events still tell it
		}
		return note, err
	}
	// Every event is checked and counted in its source's goroutine, before
	// the -o json filters: the metrics see everything, in parallel across
	// VMs, and the output only what was asked for. The engine has no hook
	// of its own there: its one consumer goroutine would count every VM's
	// events in turn.
	mo.Observe = func(ev *decode.Event) {
		_ = p.Check(ev) // fills ev.Check; without --strict it never fails
		col.Observe(ev)
	}
	m := source.New(mctx, o.withAddresses(mo))
	defer func() {
		cancel()
		m.Wait()
	}()
	if err := plan.start(m, ls, o, func(vm string, st track.RunState) { col.SetState(vm, st) }); err != nil {
		return err
	}
	if plan.listenKept != nil {
		health.Also(plan.listenKept) // a deleted socket: QEMU cannot connect
	}
	m.Seal()
	// The HTTP server failing (it should not) ends serve like a source error.
	rctx, stopRun := context.WithCancelCause(ctx)
	defer stopRun(nil)
	go func() {
		select {
		case err := <-served:
			served <- err
			stopRun(err)
		case <-rctx.Done():
		}
	}()
	err = p.Run(rctx, m)
	if cause := context.Cause(rctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return err
}
