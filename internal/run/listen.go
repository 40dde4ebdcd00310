package run

import (
	"context"
	"os"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// ListenOptions are listen's options, the fields its flags fill.
type ListenOptions struct {
	cmdutil.EventOptions
	Markers         bool
	GreetingTimeout time.Duration
	QueryTimeout    time.Duration
	SocketMode      os.FileMode
	src             source.Spec
}

// Complete takes the address to listen on.
func (o *ListenOptions) Complete(addr string) {
	// Whoever can connect can inject events labelled as any VM: owner-only
	// unless --socket-mode lets QEMU's group (libvirt's qemu) in.
	o.src = source.Spec{Listen: addr, SocketMode: o.SocketMode, Markers: o.Markers}
}

// Validate checks the address before anything listens on it.
func (o *ListenOptions) Validate() error { return o.src.Validate() }

// Listen prints the events of every VM that connects to the address,
// until ctx ends.
func Listen(ctx context.Context, s *iostreams.Streams, o *ListenOptions) error {
	ls := s.Locked()
	defer ls.CloseErr()
	p, err := cmdutil.NewPipeline(ls, &o.EventOptions, true, "")
	if err != nil {
		return err
	}
	op, err := o.src.Open(ctx, source.OpenOptions{
		Options: source.Options{Status: func(st source.Status) { watchPrintStatus(ls.Notices(), st) },
			Conn: conn.Options{GreetingTimeout: o.GreetingTimeout, QueryTimeout: o.QueryTimeout}, Attach: p.Attach},
		Notes: ls.ErrOut,
	})
	if err != nil {
		return err
	}
	defer op.Close()
	return p.Run(ctx, op)
}
