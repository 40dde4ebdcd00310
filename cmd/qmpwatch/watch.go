package main

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

type watchOptions struct {
	eventOptions
	greetingTimeout time.Duration
	dialTimeout     time.Duration
	record          string
	multiOptions    // multi.go: --reconnect, --markers, --dir, many addresses
}

func newWatchCmd(a *app) *cobra.Command {
	o := &watchOptions{}
	cmd := &cobra.Command{
		Use:         "watch ADDRESS...",
		Annotations: map[string]string{argsAnnotation: argsAddress},
		Short:       "Print the live events of a QEMU monitor",
		Long: `Connect to a QEMU QMP monitor and print every event it sends until QEMU closes
the connection or you interrupt. ADDRESS is a unix socket path (/run/vm1.qmp or
unix:/run/vm1.qmp) or a TCP address (tcp:127.0.0.1:4444, 127.0.0.1:4444, [::1]:4444).

QEMU serves one QMP client at a time: give the VM a second monitor for qmpwatch,
e.g. -qmp unix:/run/vm1-watch.qmp,server=on,wait=off.

Output is pretty on a terminal and JSON lines (QEMU's event plus "vm") in a pipe.`,
		Example: `  qmpwatch watch /run/vm1.qmp
  qmpwatch watch tcp:127.0.0.1:4444 -o pretty
  qmpwatch watch vm1.qmp -o json | jq .data
  qmpwatch watch vm1.qmp --label web1 | grep --line-buffered SHUTDOWN`,
		Args: watchArgs(&o.multiOptions),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWatch(cmd.Context(), a.streams, o, args)
		},
	}
	fs := cmd.Flags()
	addOutputFlags(fs, &o.eventOptions)
	addFilterFlags(fs, &o.eventOptions)
	addSchemaFlags(fs, &o.eventOptions)
	fs.DurationVar(&o.greetingTimeout, "greeting-timeout", 5*time.Second, "how long to wait for QEMU's greeting after connecting")
	fs.DurationVar(&o.dialTimeout, "connect-timeout", 5*time.Second, "how long to wait for the connection")
	addMultiFlags(fs, &o.multiOptions)
	fs.StringVar(&o.record, "record", "", "append every event received, before any filter, to FILE as json lines (mode 0600) for replay")
	return cmd
}

func runWatch(ctx context.Context, s *Streams, o *watchOptions, args []string) error {
	if o.isMulti(args) {
		return runMulti(ctx, s, o, args)
	}
	addr, err := conn.ParseAddr(args[0])
	if err != nil {
		return withCode(exitUsage, err)
	}
	// The source reports from the reading goroutine while the pipeline
	// writes warnings: one lock keeps stderr lines whole.
	ls := s.lockedStderr()
	p, err := newPipeline(ls, &o.eventOptions, false, o.record)
	if err != nil {
		return err
	}
	defer p.Close()
	c, name, err := source.Open(ctx, addr, conn.Options{DialTimeout: o.dialTimeout, GreetingTimeout: o.greetingTimeout}, o.label)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	defer c.Close()
	note, err := p.Attach(c)
	if err != nil {
		return err
	}
	printStatus(ls.notices(), source.Status{Kind: source.Connected, Addr: addr.String(), VM: c.Label(), Name: name, QEMU: c.Greeting().Version, Note: note})
	// The end of the session is said after the events before it are
	// printed: the source hears of it first, in its reading goroutine.
	var end atomic.Pointer[source.Status]
	err = p.Run(ctx, source.NewSingle(c, func(st source.Status) { end.Store(&st) }))
	if st := end.Load(); st != nil {
		o.status(ls, *st)
	}
	return o.endErr(err)
}
