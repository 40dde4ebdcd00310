package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/proxy"
	"github.com/qmpwatch/qmpwatch/internal/render"
	cmdrun "github.com/qmpwatch/qmpwatch/internal/run"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

type proxyOptions struct {
	cmdutil.EventOptions
	cmdutil.MultiOptions // --reconnect, --markers, --fail-without-shutdown (no --dir)
	listen               string
	takeover             string
	restore              string
	readOnly             bool
	socketMode           os.FileMode
	record               string
	dialTimeout          time.Duration
	greetTimeout         time.Duration
	queryTimeout         time.Duration
	cmdutil.ExecOptions  // --exec
}

func newProxyCmd(a *app) *cobra.Command {
	o := &proxyOptions{}
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
			return runProxy(cmd.Context(), a.streams, o, args)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.listen, "listen", "", "serve the clients at this unix socket PATH")
	fs.StringVar(&o.takeover, "takeover", "", "serve the clients at the VM's own monitor PATH, moving QEMU's socket aside until exit")
	fs.StringVar(&o.restore, "restore", "", "give PATH back to QEMU after a proxy that held it was killed, and exit")
	fs.BoolVar(&o.readOnly, "read-only", false, "relay only qmp_capabilities and query-* commands; refuse the rest with an error reply")
	fs.Var(cmdutil.NewFileMode(&o.socketMode, 0o600), "socket-mode", "permissions of the --listen socket, in octal")
	cmdutil.AddOutputFlags(fs, &o.EventOptions)
	cmdutil.AddFilterFlags(fs, &o.EventOptions)
	cmdutil.AddSchemaFlags(fs, &o.EventOptions)
	fs.BoolVar(&o.Reconnect, "reconnect", false, "when QEMU goes away, wait for it (backoff 100ms to 5s) and serve it again")
	fs.BoolVar(&o.Markers, "markers", false, "put QMPWATCH_DISCONNECTED and QMPWATCH_RECONNECTED events in the output where the stream has gaps")
	fs.BoolVar(&o.FailOnGone, "fail-without-shutdown", false, "exit 5 when QEMU went away without a SHUTDOWN event")
	fs.StringVar(&o.record, "record", "", "append every event received, before any filter, to FILE as json lines (mode 0600) for replay")
	fs.DurationVar(&o.greetTimeout, "greeting-timeout", 5*time.Second, "how long to wait for QEMU's greeting after connecting")
	fs.DurationVar(&o.dialTimeout, "connect-timeout", 5*time.Second, "how long to wait for the connection")
	cmdutil.AddQueryTimeoutFlag(fs, &o.queryTimeout)
	cmdutil.AddExecFlags(fs, &o.ExecOptions)
	return cmd
}

// validate checks the command line: one of ADDRESS --listen PATH,
// --takeover PATH, --restore PATH.
func (o *proxyOptions) validate(args []string) (upstream, listen conn.Addr, err error) {
	switch {
	case o.restore != "":
		if len(args) > 0 || o.listen != "" || o.takeover != "" {
			return upstream, listen, exitcode.Usagef("--restore PATH goes alone")
		}
		return upstream, listen, nil
	case o.takeover != "":
		if len(args) > 0 || o.listen != "" {
			return upstream, listen, exitcode.Usagef("--takeover PATH serves at PATH: give no ADDRESS and no --listen")
		}
		upstream = conn.Addr{Network: "unix", Address: o.takeover}
		return upstream, upstream, nil
	case len(args) != 1 || o.listen == "":
		return upstream, listen, exitcode.Usagef("give ADDRESS --listen PATH, --takeover PATH or --restore PATH")
	}
	if upstream, err = conn.ParseAddr(args[0]); err != nil {
		return upstream, listen, exitcode.With(exitcode.Usage, err)
	}
	if listen, err = conn.ParseAddr(o.listen); err != nil || listen.Network != "unix" {
		return upstream, listen, exitcode.Usagef("--listen %s: want a unix socket path", o.listen)
	}
	return upstream, listen, nil
}

func runProxy(ctx context.Context, s *iostreams.Streams, o *proxyOptions, args []string) error {
	upstream, listen, err := o.validate(args)
	if err != nil {
		return err
	}
	if err := o.ExecOptions.Validate(o.Exec != ""); err != nil {
		return err
	}
	if o.restore != "" {
		return proxy.Restore(o.restore)
	}
	ls := s.Locked()
	defer ls.CloseErr()
	out := *ls
	if o.Output == "" && o.Template == "" && o.TemplateFile == "" && o.JQ == "" {
		out.Out = io.Discard // a proxy first: events on stdout only when asked for
	}
	eng := cmdrun.SinkExec(ls, &o.ExecOptions, cmdutil.HostLabel(""), nil)
	defer eng.Close() // once the pipeline has run: the last events' runs finish
	p, err := cmdutil.NewPipeline(&out, &o.EventOptions, false, o.record, cmdrun.SinkHook(eng)...)
	if err != nil {
		return err
	}
	defer p.Close()

	px := proxy.New(proxy.Options{Addr: upstream, ReadOnly: o.readOnly, Reconnect: o.Reconnect,
		Conn: conn.Options{DialTimeout: o.dialTimeout, GreetingTimeout: o.greetTimeout, QueryTimeout: o.queryTimeout},
		Note: func(n proxy.Note) { fmt.Fprintln(ls.Notices(), proxyNote(n)) }})
	ln, release, err := proxyListen(ctx, px, o, listen)
	if err != nil {
		return err
	}
	defer release()

	pctx, cancel := context.WithCancel(ctx)
	ran := make(chan struct{})
	go func() { px.Run(pctx); close(ran) }()
	go px.Serve(pctx, ln)
	var w cmdrun.WatchState
	m := source.New(pctx, w.MergeOptions(ls, p, o.Markers, conn.Options{QueryTimeout: o.queryTimeout, Dial: px.Pipe}))
	defer func() { cancel(); m.Wait(); <-ran }()
	m.Dial(source.Target{Addr: upstream, Label: o.Label, Reconnect: o.Reconnect, QuietRefused: true})
	m.Seal()
	return w.End(p.Run(ctx, m), o.FailOnGone)
}

// proxyListen connects to the monitor and opens the clients' socket: at
// --listen, or, with --takeover, at the monitor's own path. release gives
// a taken-over path back.
func proxyListen(ctx context.Context, px *proxy.Proxy, o *proxyOptions, listen conn.Addr) (ln net.Listener, release func(), err error) {
	if o.takeover == "" {
		if err := px.Connect(ctx); err != nil {
			return nil, nil, err
		}
		ln, err := source.ListenSocket(listen, o.socketMode)
		if err != nil {
			return nil, nil, err
		}
		return ln, func() { ln.Close() }, nil // removes the socket
	}
	t, _, err := proxy.Take(o.takeover)
	if err != nil {
		return nil, nil, err
	}
	if err := px.Connect(ctx); err != nil {
		t.Release()
		return nil, nil, err
	}
	if ln, err = t.Move(); err != nil {
		t.Release()
		return nil, nil, err
	}
	px.Retarget(conn.Addr{Network: "unix", Address: t.Hidden})
	return ln, func() { ln.Close(); t.Release() }, nil
}

// proxyNote is the line on stderr for a change among the clients.
func proxyNote(n proxy.Note) string {
	count := fmt.Sprintf("%d clients", n.Clients)
	if n.Clients == 1 {
		count = "1 client"
	}
	switch n.Kind {
	case proxy.ClientConnected:
		return fmt.Sprintf("proxy: client %d connected (%s)", n.Client, count)
	case proxy.ClientDropped:
		return fmt.Sprintf("proxy: client %d disconnected: %s (%s)", n.Client, n.Reason, count)
	}
	return fmt.Sprintf("proxy: client %d left (%s)", n.Client, count)
}

// shareMonitors makes the Merge's dials take each monitor over (serve
// --share): co.Dial goes through a proxy.Sharer. The function it returns
// gives every path back; call it once the Merge has ended.
func shareMonitors(ctx context.Context, s *iostreams.Streams, co *conn.Options) func() {
	sh := proxy.NewSharer(ctx, proxy.Options{
		Conn: conn.Options{DialTimeout: co.DialTimeout, GreetingTimeout: co.GreetingTimeout, QueryTimeout: co.QueryTimeout},
		Note: func(n proxy.Note) { fmt.Fprintln(s.Notices(), render.Safe(n.Monitor)+": "+proxyNote(n)) },
	})
	co.Dial = sh.Dial
	return sh.Close
}
