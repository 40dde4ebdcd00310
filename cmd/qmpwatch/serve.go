package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/action"
	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/config"
	"github.com/qmpwatch/qmpwatch/internal/metrics"
	cmdrun "github.com/qmpwatch/qmpwatch/internal/run"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

func newServeCmd(a *app) *cobra.Command {
	o := &cmdrun.ServeOptions{}
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
			o.Complete(args)
			if err := o.Validate(ls, serveConfig(a.config.Path)); err != nil {
				return err
			}
			return cmdrun.Serve(cmd.Context(), ls, o)
		},
	}
	fs := cmd.Flags()
	fs.VarP(cmdutil.NewEnum(&o.Output, "", "json"), "output", "o", "json: also write every event to stdout as JSON lines")
	fs.StringSliceVarP(&o.Events, "event", "e", nil, "with -o json, --exec or --otlp: write, run for or send only events whose name matches a glob (metrics count every event)")
	fs.StringSliceVarP(&o.Excludes, "exclude", "x", nil, "with -o json, --exec or --otlp: leave out events whose name matches a glob")
	// No --strict: a violation is counted (qmpwatch_schema_violations_total)
	// and reported on stderr, never a reason for the daemon to stop.
	fs.Var(cmdutil.NewEnum(&o.Schema, "auto", "auto", "builtin", "live"), "schema", "validate against: auto (live when the monitor provides it), builtin, live")
	cmdutil.AddMultiFlags(fs, &o.MultiOptions)
	fs.BoolVar(&o.Share, "share", false, "with --dir: take over each socket as proxy --takeover does, so that other QMP clients keep using the VMs' own paths; each is given back on exit")
	fs.StringVar(&o.Listen, "listen", "", "also accept the monitor connections QEMU opens itself on ADDRESS (as qmpwatch listen)")
	fs.DurationVar(&o.GreetingTimeout, "greeting-timeout", 5*time.Second, "how long to wait for QEMU's greeting after connecting")
	fs.DurationVar(&o.DialTimeout, "connect-timeout", 5*time.Second, "how long to wait for the connection")
	cmdutil.AddQueryTimeoutFlag(fs, &o.QueryTimeout)
	fs.StringVar(&o.Record, "record", "", "append every event received to FILE as json lines (mode 0600) for replay")
	fs.StringVar(&o.MetricsAddr, "metrics", metrics.DefaultAddr, "serve /metrics, /healthz and / on HOST:PORT (loopback unless told otherwise)")
	fs.StringVar(&o.TLSCert, "metrics-tls-cert", "", "serve HTTPS with this certificate (PEM); needs --metrics-tls-key")
	fs.StringVar(&o.TLSKey, "metrics-tls-key", "", "the private key of --metrics-tls-cert (PEM)")
	fs.DurationVar(&o.ForgetAfter, "forget-after", metrics.DefaultForgetAfter, "drop the series of a VM that has been gone this long")
	fs.Var(cmdutil.NewFileMode(&o.SocketMode, 0o600), "socket-mode", "permissions of --listen's unix socket, in octal: who may connect (0660 lets the group in, e.g. libvirt's qemu)")
	cmdutil.AddFleetPublishFlags(fs, &o.FleetOptions)
	cmdutil.AddLibvirtFlags(fs, &o.LibvirtOptions)
	cmdutil.AddOTLPFlag(fs, &o.OTLP)
	cmdutil.AddExecFlags(fs, &o.ExecOptions)
	return cmd
}

// serveConfig reads the sources and the actions of serve's config file.
func serveConfig(file string) cmdrun.ServeConfig {
	return cmdrun.ServeConfig{
		Sources: func() ([]source.Labelled, error) { return config.ServeSources(file) },
		Actions: func(r action.Run) ([]*action.Action, error) { return config.ServeActions(file, r) },
	}
}
