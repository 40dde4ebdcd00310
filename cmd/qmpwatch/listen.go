package main

import (
	"context"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

type listenOptions struct {
	cmdutil.EventOptions
	markers         bool
	greetingTimeout time.Duration
	queryTimeout    time.Duration
	mode            os.FileMode
}

func newListenCmd(a *app) *cobra.Command {
	o := &listenOptions{}
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
			return runListen(cmd.Context(), a.streams, o, args[0])
		},
	}
	fs := cmd.Flags()
	cmdutil.AddOutputFlags(fs, &o.EventOptions)
	cmdutil.AddFilterFlags(fs, &o.EventOptions)
	cmdutil.AddSchemaFlags(fs, &o.EventOptions)
	fs.BoolVar(&o.markers, "markers", false, "put QMPWATCH_DISCONNECTED and QMPWATCH_RECONNECTED events in the output where a VM's stream has gaps")
	fs.DurationVar(&o.greetingTimeout, "greeting-timeout", 5*time.Second, "how long to wait for a connecting QEMU's greeting")
	cmdutil.AddQueryTimeoutFlag(fs, &o.queryTimeout)
	fs.Var(cmdutil.NewFileMode(&o.mode, 0o600), "socket-mode", "permissions of the unix socket, in octal: who may connect (0660 lets the group in, e.g. libvirt's qemu)")
	return cmd
}

func runListen(ctx context.Context, s *iostreams.Streams, o *listenOptions, arg string) error {
	// Whoever can connect can inject events labelled as any VM: owner-only
	// unless --socket-mode lets QEMU's group (libvirt's qemu) in.
	src := source.Spec{Listen: arg, SocketMode: o.mode, Markers: o.markers}
	if err := src.Validate(); err != nil {
		return err
	}
	ls := s.Locked()
	defer ls.CloseErr()
	p, err := cmdutil.NewPipeline(ls, &o.EventOptions, true, "")
	if err != nil {
		return err
	}
	op, err := src.Open(ctx, source.OpenOptions{
		Options: source.Options{Status: func(st source.Status) { printStatus(ls.Notices(), st) },
			Conn: conn.Options{GreetingTimeout: o.greetingTimeout, QueryTimeout: o.queryTimeout}, Attach: p.Attach},
		Notes: ls.ErrOut,
	})
	if err != nil {
		return err
	}
	defer op.Close()
	return p.Run(ctx, op)
}
