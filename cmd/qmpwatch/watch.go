package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/fleet"
)

type watchOptions struct {
	eventOptions
	greetingTimeout time.Duration
	dialTimeout     time.Duration
	record          string
	multiOptions    // multi.go: --reconnect, --markers, --dir, many addresses
	fleetOptions    // fleet.go: nats:// sources and --publish
}

func newWatchCmd(a *app) *cobra.Command {
	o := &watchOptions{}
	cmd := &cobra.Command{
		Use:   "watch ADDRESS...",
		Short: "Print the live events of a QEMU monitor",
		Long: `Connect to a QEMU QMP monitor and print every event it sends until QEMU closes
the connection or you interrupt. ADDRESS is a unix socket path (/run/vm1.qmp or
unix:/run/vm1.qmp) or a TCP address (tcp:127.0.0.1:4444, 127.0.0.1:4444, [::1]:4444).

QEMU serves one QMP client at a time: give the VM a second monitor for qmpwatch,
e.g. -qmp unix:/run/vm1-watch.qmp,server=on,wait=off.

ADDRESS nats://[user:pass@]host:port reads the fleet stream that qmpwatch
--publish fills on each host, through NATS JetStream (--host, --vm, --since,
--durable; see docs/fleet.md).

Output is pretty on a terminal and JSON lines (QEMU's event plus "vm") in a pipe.`,
		Example: `  qmpwatch watch /run/vm1.qmp
  qmpwatch watch tcp:127.0.0.1:4444 -o pretty
  qmpwatch watch vm1.qmp -o json | jq .data
  qmpwatch watch vm1.qmp --label web1 | grep --line-buffered SHUTDOWN
  qmpwatch watch --dir /run/qemu --reconnect --publish nats://nats:4222 --host-label $(hostname)
  qmpwatch watch nats://nats:4222 --host 'db-*' --since 1h -o json`,
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
	addFleetFlags(fs, &o.fleetOptions)
	return cmd
}

func runWatch(ctx context.Context, s *Streams, o *watchOptions, args []string) error {
	if len(args) == 1 && fleet.IsURL(args[0]) {
		return runFleet(ctx, s, o, args[0])
	}
	if f := o.readerOnly(); f != "" {
		return usageErrorf("%s reads a nats:// source", f)
	}
	pub, err := startPublishing(s, &o.fleetOptions)
	if err != nil {
		return err
	}
	if pub != nil {
		defer func() {
			// Let the acknowledgements of the last events arrive; an
			// interrupted qmpwatch waits less.
			grace := 30 * time.Second
			if ctx.Err() != nil {
				grace = 2 * time.Second
			}
			pub.Close(grace)
		}()
		s = s.lockedStderr() // the publisher's notes come from its goroutine
	}
	if o.isMulti(args) {
		return runMulti(ctx, s, o, args, pub)
	}
	addr, err := conn.ParseAddr(args[0])
	if err != nil {
		return withCode(exitUsage, err)
	}
	p, err := newPipeline(s, &o.eventOptions, false)
	if err != nil {
		return err
	}
	stopRecording, err := p.startRecording(o.record)
	if err != nil {
		return err
	}
	defer stopRecording()
	c, err := conn.Dial(ctx, addr, conn.Options{DialTimeout: o.dialTimeout, GreetingTimeout: o.greetingTimeout})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	defer c.Close()
	// A failed query-name leaves the socket's name as the label; if the
	// stream broke, Next reports it after the events before the break.
	name, _ := c.VMName()
	label := name
	if label == "" {
		label = addr.DefaultLabel()
	}
	if o.label != "" {
		label = o.label
	}
	c.SetLabel(label)
	if err := p.schema.attach(c, label); err != nil {
		return err
	}
	state, err := runStateNote(c)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.ErrOut, "qmpwatch: connected to %s (QEMU %s%s) at %s\n", displayName(name, label), c.Greeting().Version, state, addr)
	if pub != nil {
		pub.SetQEMU(label, c.Greeting().Version)
		return pump(ctx, p, publishTee{c, pub}, label, s)
	}
	return pump(ctx, p, c, label, s)
}

func displayName(name, label string) string {
	if name == "" {
		return label + " (no -name)"
	}
	return name
}

// eventSource is anything events come from: a monitor, a log, a merge.
type eventSource interface {
	Next(ctx context.Context) (*decode.Event, error)
}

type item struct {
	ev  *decode.Event
	err error
}

// pump moves events from src to p. A goroutine reads ahead into a small
// bounded queue; the writer flushes whenever the queue is empty, so output
// is flushed per event when events trickle in and batched when they flood.
// When the consumer is slow, the queue fills, the reader stops reading the
// socket, and QEMU queues: back-pressure, not lost events.
func pump(ctx context.Context, p *pipeline, src eventSource, label string, s *Streams) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p.startClock(ctx)
	defer p.stopClock()
	q := make(chan item, 256)
	go func() {
		defer close(q)
		for {
			ev, err := src.Next(ctx)
			select {
			case q <- item{ev, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	for {
		var it item
		var ok bool
		select {
		case it, ok = <-q:
		case <-p.expired():
			p.flush()
			return p.timeoutErr()
		default:
			if err := p.flush(); err != nil {
				return err
			}
			select {
			case it, ok = <-q:
			case <-p.expired():
				return p.timeoutErr()
			case <-ctx.Done():
				// A source blocked in a read that ctx cannot end (stdin).
				return p.flush()
			}
		}
		if !ok {
			return p.flush()
		}
		if it.err != nil {
			if ferr := p.flush(); ferr != nil {
				return ferr
			}
			if err := endOfStream(ctx, it.err, label, s); err != nil || ctx.Err() != nil {
				return err
			}
			// A normal end, unless --count or --until was still waiting.
			return p.endErr()
		}
		done, err := p.emit(it.ev)
		if err != nil {
			p.flush()
			return err
		}
		if pr, ok := src.(processor); ok {
			pr.Processed(it.ev) // fleet.go: a durable reader acknowledges it
		}
		if done {
			return p.flush()
		}
	}
}

// endOfStream says why a stream ended; QEMU going away is a normal end.
func endOfStream(ctx context.Context, err error, label string, s *Streams) error {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, io.EOF) {
		return nil
	}
	if errors.Is(err, conn.ErrClosed) {
		var te *conn.TruncatedError
		if errors.As(err, &te) {
			fmt.Fprintf(s.ErrOut, "%s: %s\n", label, te)
		} else {
			fmt.Fprintf(s.ErrOut, "%s: QEMU closed the connection\n", label)
		}
		return nil
	}
	return err
}
