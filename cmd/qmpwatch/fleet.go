package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/fleet"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// fleetOptions are the flags for the NATS JetStream fleet stream
// (docs/fleet.md): reading it (watch nats://…) and publishing to it
// (--publish).
type fleetOptions struct {
	host, vm  string
	since     string
	durable   string
	stream    string
	creds     string
	tlsCA     string
	publish   string
	hostLabel string
	maxAge    time.Duration
	buffer    int
}

func addFleetFlags(fs *pflag.FlagSet, o *fleetOptions) {
	fs.StringVar(&o.host, "host", "", "nats:// source: keep the hosts whose label matches this glob")
	fs.StringVar(&o.vm, "vm", "", "nats:// source: keep the VMs whose name matches this glob")
	fs.StringVar(&o.since, "since", "", "nats:// source: start this far back (1h) or at this time (2026-12-01T10:00:00Z), then live")
	fs.StringVar(&o.durable, "durable", "", "nats:// source: resume where the last reader named NAME stopped (a durable consumer)")
	fs.StringVar(&o.stream, "stream", fleet.DefaultStream, "the JetStream stream to read or publish")
	fs.StringVar(&o.creds, "nats-creds", "", "NATS credentials FILE (user JWT and nkey seed)")
	fs.StringVar(&o.tlsCA, "nats-tls-ca", "", "PEM FILE of the CAs that sign the NATS server's certificate")
	fs.StringVar(&o.publish, "publish", "", "also publish every event received, before any filter, to this NATS server (nats://[user:pass@]host:port)")
	fs.StringVar(&o.hostLabel, "host-label", "", "with --publish: this host's name on the stream (default: the hostname)")
	fs.DurationVar(&o.maxAge, "max-age", fleet.DefaultMaxAge, "with --publish: how long a stream the publisher creates keeps events")
	fs.IntVar(&o.buffer, "publish-buffer", fleet.DefaultBuffer, "with --publish: events kept in memory while the server is unreachable; more are dropped and counted")
}

func (o *fleetOptions) access(url string) fleet.Access {
	return fleet.Access{URL: url, Creds: o.creds, TLSCA: o.tlsCA}
}

// readerOnly says which fleet reading flag was given without a nats://
// source, for a usage error.
func (o *fleetOptions) readerOnly() string {
	for _, f := range []struct{ name, v string }{{"--host", o.host}, {"--vm", o.vm}, {"--since", o.since}, {"--durable", o.durable}} {
		if f.v != "" {
			return f.name
		}
	}
	return ""
}

// runFleet watches the fleet stream: one more source of the merged engine.
func runFleet(ctx context.Context, s *Streams, o *watchOptions, url string) error {
	if o.publish != "" {
		return usageErrorf("--publish takes events from monitors, not from a nats:// source")
	}
	if o.label != "" {
		return usageErrorf("--label names one VM; a nats:// source labels VMs <host>/<vm>")
	}
	ro := fleet.ReaderOptions{Access: o.access(url), Stream: o.stream, Durable: o.durable,
		Selection: fleet.Selection{Host: o.host, VM: o.vm, Events: o.events}}
	if err := ro.Selection.Validate(); err != nil {
		return withCode(exitUsage, err)
	}
	if o.since != "" {
		t, err := fleet.ParseSince(o.since, time.Now())
		if err != nil {
			return withCode(exitUsage, err)
		}
		ro.Since = t
	}
	ls := s.lockedStderr()
	p, err := newPipeline(ls, &o.eventOptions, true)
	if err != nil {
		return err
	}
	stopRecording, err := p.startRecording(o.record)
	if err != nil {
		return err
	}
	defer stopRecording()
	mctx, cancel := context.WithCancel(ctx)
	m := source.New(mctx, source.Options{Status: func(st source.Status) { printStatus(ls.ErrOut, st) }})
	ro.NewVM, ro.Notes = m.StreamVM(ro.Redacted()), ls.ErrOut
	r, err := fleet.Open(ctx, ro)
	if err != nil {
		cancel()
		return err
	}
	defer func() {
		cancel()
		m.Wait()
		r.Close()
	}()
	fmt.Fprintf(ls.ErrOut, "qmpwatch: reading stream %s at %s (subjects %s)\n", o.stream, ro.Redacted(), ro.FilterSubject())
	m.Stream(ro.Redacted(), r)
	m.Seal()
	return mergedEnd(pump(ctx, p, fleetSource{m, r}, "", ls))
}

// fleetSource is the merged stream of a fleet reader; pump tells it which
// events were handled, so that a durable reader acknowledges exactly those.
type fleetSource struct {
	*source.Merge
	r *fleet.Reader
}

func (f fleetSource) Processed(ev *decode.Event) { f.r.Processed(ev) }

// processor is a source that wants to know when pump has handled an event.
type processor interface{ Processed(*decode.Event) }

// startPublishing starts the --publish hook, or returns nil when it is not
// asked for. The caller closes it when its stream ends.
func startPublishing(s *Streams, o *fleetOptions) (*fleet.Publisher, error) {
	if o.publish == "" {
		if o.hostLabel != "" {
			return nil, usageErrorf("--host-label goes with --publish")
		}
		return nil, nil
	}
	if !fleet.IsURL(o.publish) {
		return nil, usageErrorf("--publish %s: want nats://host:port", o.publish)
	}
	return fleet.NewPublisher(fleet.PublisherOptions{Access: o.access(o.publish), Host: hostLabel(o.hostLabel),
		Stream: o.stream, MaxAge: o.maxAge, Buffer: o.buffer, Notes: s.ErrOut})
}

// publishTee publishes every event its source yields, before any filter,
// and passes it on unchanged.
type publishTee struct {
	eventSource
	pub *fleet.Publisher
}

func (t publishTee) Next(ctx context.Context) (*decode.Event, error) {
	ev, err := t.eventSource.Next(ctx)
	if err == nil {
		t.pub.Publish(ev)
	}
	return ev, err
}

// publishStatus wraps a Merge's status callback so that the publisher
// learns each VM's QEMU version for its messages' header.
func publishStatus(pub *fleet.Publisher, next func(source.Status)) func(source.Status) {
	return func(st source.Status) {
		if st.Kind == source.Connected || st.Kind == source.Reconnected {
			pub.SetQEMU(st.VM, st.QEMU)
		}
		next(st)
	}
}
