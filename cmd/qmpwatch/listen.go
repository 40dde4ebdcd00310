package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	cmdrun "github.com/qmpwatch/qmpwatch/internal/run"
)

func newListenCmd(a *app) *cobra.Command {
	o := &cmdrun.ListenOptions{}
	cmd := &cobra.Command{
		Use:   "listen ADDRESS",
		Short: "Accept QEMU's own monitor connections and print the events of every VM",
		Long: `Listen on ADDRESS (a unix socket path, or tcp:HOST:PORT) for monitor
connections that QEMU opens itself, and print the events of every VM that
connects, as one stream labelled with each VM's -name (its process id, or its
TCP address, when it has none). Start each VM with

  -chardev socket,id=qmpwatch,path=ADDRESS,reconnect=5 -mon chardev=qmpwatch,mode=control

and QEMU keeps redialling (every 5 s) while qmpwatch is away: one daemon
watches every VM of a host, whatever order they start in. A VM that comes back
is reported with the time it was away (its events of that gap are lost).
A unix socket is created with mode 0600 (only its owner, and root, may
connect: QEMU running as the same user or as root) unless --socket-mode says
otherwise; whoever can connect can send events under any VM name.
Runs until interrupted.`,
		Example: `  qmpwatch listen /run/qmpwatch.sock
  qmpwatch listen /run/qmpwatch.sock -o json --markers >> /var/log/qmp-events.jsonl
  qmpwatch listen tcp:127.0.0.1:4445 -e 'SHUTDOWN,RESET,GUEST_PANICKED'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Complete(args[0])
			if err := o.Validate(); err != nil {
				return err
			}
			return cmdrun.Listen(cmd.Context(), a.streams, o)
		},
	}
	fs := cmd.Flags()
	cmdutil.AddOutputFlags(fs, &o.EventOptions)
	cmdutil.AddFilterFlags(fs, &o.EventOptions)
	cmdutil.AddSchemaFlags(fs, &o.EventOptions)
	fs.BoolVar(&o.Markers, "markers", false, "put QMPWATCH_DISCONNECTED and QMPWATCH_RECONNECTED events in the output where a VM's stream has gaps")
	fs.DurationVar(&o.GreetingTimeout, "greeting-timeout", 5*time.Second, "how long to wait for a connecting QEMU's greeting")
	cmdutil.AddQueryTimeoutFlag(fs, &o.QueryTimeout)
	fs.Var(cmdutil.NewFileMode(&o.SocketMode, 0o600), "socket-mode", "permissions of the unix socket, in octal: who may connect (0660 lets the group in, e.g. libvirt's qemu)")
	return cmd
}
