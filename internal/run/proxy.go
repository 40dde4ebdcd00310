package run

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/proxy"
	"github.com/qmpwatch/qmpwatch/internal/safe"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// ProxyOptions are proxy's flags and its ADDRESS.
type ProxyOptions struct {
	cmdutil.EventOptions
	Args         []string // ADDRESS, with --listen
	Listen       string
	Takeover     string
	Restore      string
	ReadOnly     bool
	SocketMode   os.FileMode
	Record       string
	Reconnect    bool
	DialTimeout  time.Duration
	GreetTimeout time.Duration
	QueryTimeout time.Duration

	Markers    bool // as watch's
	FailOnGone bool // --fail-without-shutdown, as watch's
	cmdutil.ExecOptions

	upstream, listen conn.Addr // parsed by Validate
}

// Validate checks the command line: one of ADDRESS --listen PATH,
// --takeover PATH, --restore PATH; then --exec's limits. It opens nothing.
func (o *ProxyOptions) Validate() error {
	if err := o.validateArgs(); err != nil {
		return err
	}
	return o.ExecOptions.Validate(o.Exec != "")
}

func (o *ProxyOptions) validateArgs() error {
	switch {
	case o.Restore != "":
		if len(o.Args) > 0 || o.Listen != "" || o.Takeover != "" {
			return exitcode.Usagef("--restore PATH goes alone")
		}
		return nil
	case o.Takeover != "":
		if len(o.Args) > 0 || o.Listen != "" {
			return exitcode.Usagef("--takeover PATH serves at PATH: give no ADDRESS and no --listen")
		}
		o.upstream = conn.Addr{Network: "unix", Address: o.Takeover}
		o.listen = o.upstream
		return nil
	case len(o.Args) != 1 || o.Listen == "":
		return exitcode.Usagef("give ADDRESS --listen PATH, --takeover PATH or --restore PATH")
	}
	var err error
	if o.upstream, err = conn.ParseAddr(o.Args[0]); err != nil {
		return exitcode.With(exitcode.Usage, err)
	}
	if o.listen, err = conn.ParseAddr(o.Listen); err != nil || o.listen.Network != "unix" {
		return exitcode.Usagef("--listen %s: want a unix socket path", o.Listen)
	}
	return nil
}

// Proxy serves the monitor to its clients and watches its events until ctx
// ends or QEMU is gone; with Restore it only gives a path back to QEMU.
func Proxy(ctx context.Context, s *iostreams.Streams, o *ProxyOptions) error {
	if o.Restore != "" {
		return proxy.Restore(o.Restore)
	}
	ls := s.Locked()
	defer ls.CloseErr()
	out := *ls
	if o.Output == "" && o.Template == "" && o.TemplateFile == "" && o.JQ == "" {
		out.Out = io.Discard // a proxy first: events on stdout only when asked for
	}
	eng := SinkExec(ls, &o.ExecOptions, cmdutil.HostLabel(""), nil)
	defer eng.Close() // once the pipeline has run: the last events' runs finish
	p, err := cmdutil.NewPipeline(&out, &o.EventOptions, false, o.Record, SinkHook(eng)...)
	if err != nil {
		return err
	}
	defer p.Close()

	px := proxy.New(proxy.Options{Addr: o.upstream, ReadOnly: o.ReadOnly, Reconnect: o.Reconnect,
		Conn: conn.Options{DialTimeout: o.DialTimeout, GreetingTimeout: o.GreetTimeout, QueryTimeout: o.QueryTimeout},
		Note: func(n proxy.Note) { fmt.Fprintln(ls.Notices(), proxyNote(n)) }})
	ln, release, err := proxyListen(ctx, px, o)
	if err != nil {
		return err
	}
	defer release()

	pctx, cancel := context.WithCancel(ctx)
	ran := make(chan struct{})
	go func() { px.Run(pctx); close(ran) }()
	go px.Serve(pctx, ln)
	var w WatchState
	m := source.New(pctx, w.MergeOptions(ls, p, o.Markers, conn.Options{QueryTimeout: o.QueryTimeout, Dial: px.Pipe}))
	defer func() { cancel(); m.Wait(); <-ran }()
	m.Dial(source.Target{Addr: o.upstream, Label: o.Label, Reconnect: o.Reconnect, QuietRefused: true})
	m.Seal()
	return w.End(p.Run(ctx, m), o.FailOnGone)
}

// proxyListen connects to the monitor and opens the clients' socket: at
// --listen, or, with --takeover, at the monitor's own path. release gives
// a taken-over path back.
func proxyListen(ctx context.Context, px *proxy.Proxy, o *ProxyOptions) (ln net.Listener, release func(), err error) {
	if o.Takeover == "" {
		if err := px.Connect(ctx); err != nil {
			return nil, nil, err
		}
		ln, err := source.ListenSocket(o.listen, o.SocketMode)
		if err != nil {
			return nil, nil, err
		}
		return ln, func() { ln.Close() }, nil // removes the socket
	}
	t, _, err := proxy.Take(o.Takeover)
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

// ProxyShare makes the Merge's dials take each monitor over (serve
// --share): co.Dial goes through a proxy.Sharer, whose notes go to s's
// notices. The function it returns gives every path back; call it once the
// Merge has ended.
func ProxyShare(ctx context.Context, s *iostreams.Streams, co *conn.Options) func() {
	sh := proxy.NewSharer(ctx, proxy.Options{
		Conn: conn.Options{DialTimeout: co.DialTimeout, GreetingTimeout: co.GreetingTimeout, QueryTimeout: co.QueryTimeout},
		Note: func(n proxy.Note) { fmt.Fprintln(s.Notices(), safe.String(n.Monitor)+": "+proxyNote(n)) },
	})
	co.Dial = sh.Dial
	return sh.Close
}
