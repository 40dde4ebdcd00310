package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	cmdrun "github.com/qmpwatch/qmpwatch/internal/run"
)

func newProxyCmd(a *app) *cobra.Command {
	o := &cmdrun.ProxyOptions{}
	cmd := &cobra.Command{
		Use:         "proxy [ADDRESS --listen PATH | --takeover PATH | --restore PATH]",
		Annotations: cmdutil.Annotate(cmdutil.ArgsAddress),
		Short:       "Share one QEMU monitor among many QMP clients, and watch it",
		Long: `Hold a QEMU QMP monitor once and serve it to any number of QMP clients at
--listen PATH (or, with --takeover, at the monitor's own path). Each client gets
QEMU's greeting and negotiates for itself; its commands are forwarded and each
reply comes back to it alone, with its own id; every event goes to every client,
in QEMU's order. A client that stops reading is disconnected once 16 MB (or 4096
replies and batches of events) wait for it; nobody else waits for it.

qmpwatch's own commands stay read-only, but the proxy relays what its clients
send: anyone who can connect to PATH can stop or delete the VM, as on QEMU's own
socket. PATH is made 0600 (--socket-mode to share it); --read-only relays only
qmp_capabilities and query-* commands and refuses the rest (see docs/security.md).

--takeover PATH moves QEMU's listening socket to a hidden name beside PATH and
serves clients at PATH, with the original's mode and owner; it gives PATH back
on exit (SIGINT, SIGTERM, SIGHUP, or QEMU gone). After a kill -9, the next
--takeover PATH or 'qmpwatch proxy --restore PATH' gives it back.

The events are also qmpwatch's own, as for watch (-o, filters, --record,
--markers); stdout stays empty unless -o, --template or --jq is given. Notes on
stderr say when a client connects or leaves. See docs/proxy.md.`,
		Example: `  qmpwatch proxy /run/vm1.qmp --listen /run/vm1-shared.qmp
  qmpwatch proxy --takeover /var/run/qemu-server/100.qmp
  qmpwatch proxy /run/vm1.qmp --listen /run/ro.qmp --read-only
  qmpwatch proxy --takeover /run/vm1.qmp -o json >> vm1.jsonl
  qmpwatch proxy --restore /var/run/qemu-server/100.qmp`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Args = args
			if err := o.Validate(); err != nil {
				return err
			}
			return cmdrun.Proxy(cmd.Context(), a.streams, o)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.Listen, "listen", "", "serve the clients at this unix socket PATH")
	fs.StringVar(&o.Takeover, "takeover", "", "serve the clients at the VM's own monitor PATH, moving QEMU's socket aside until exit")
	fs.StringVar(&o.Restore, "restore", "", "give PATH back to QEMU after a proxy that held it was killed, and exit")
	fs.BoolVar(&o.ReadOnly, "read-only", false, "relay only qmp_capabilities and query-* commands; refuse the rest with an error reply")
	fs.Var(cmdutil.NewFileMode(&o.SocketMode, 0o600), "socket-mode", "permissions of the --listen socket, in octal")
	cmdutil.AddOutputFlags(fs, &o.EventOptions)
	cmdutil.AddFilterFlags(fs, &o.EventOptions)
	cmdutil.AddSchemaFlags(fs, &o.EventOptions)
	fs.BoolVar(&o.Reconnect, "reconnect", false, "when QEMU goes away, wait for it (backoff 100ms to 5s) and serve it again")
	fs.BoolVar(&o.Markers, "markers", false, "put QMPWATCH_DISCONNECTED and QMPWATCH_RECONNECTED events in the output where the stream has gaps")
	fs.BoolVar(&o.FailOnGone, "fail-without-shutdown", false, "exit 5 when QEMU went away without a SHUTDOWN event")
	fs.StringVar(&o.Record, "record", "", "append every event received, before any filter, to FILE as json lines (mode 0600) for replay")
	fs.DurationVar(&o.GreetTimeout, "greeting-timeout", 5*time.Second, "how long to wait for QEMU's greeting after connecting")
	fs.DurationVar(&o.DialTimeout, "connect-timeout", 5*time.Second, "how long to wait for the connection")
	cmdutil.AddQueryTimeoutFlag(fs, &o.QueryTimeout)
	cmdutil.AddExecFlags(fs, &o.ExecOptions)
	return cmd
}
