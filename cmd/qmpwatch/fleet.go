package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/pflag"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/fleet"
	"github.com/qmpwatch/qmpwatch/internal/pipeline"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// fleetReadOptions are the flags of every command that reads the NATS
// JetStream fleet stream as a source (watch, sessions, jobs: docs/fleet.md).
type fleetReadOptions struct {
	host, vm string
	since    string
	stream   string
	creds    string
	tlsCA    string
}

func addFleetReadFlags(fs *pflag.FlagSet, o *fleetReadOptions) {
	fs.StringVar(&o.host, "host", "", "nats:// source: keep the hosts whose label matches this glob")
	fs.StringVar(&o.vm, "vm", "", "nats:// source: keep the VMs whose name matches this glob")
	fs.StringVar(&o.since, "since", "", "nats:// source: start this far back (1h) or at this time (2026-12-01T10:00:00Z), then live")
	fs.StringVar(&o.stream, "stream", fleet.DefaultStream, "the JetStream stream to read or publish")
	fs.StringVar(&o.creds, "nats-creds", "", "NATS credentials FILE (user JWT and nkey seed)")
	fs.StringVar(&o.tlsCA, "nats-tls-ca", "", "PEM FILE of the CAs that sign the NATS server's certificate")
}

// fleetOptions are watch's fleet flags: reading (with --durable) and
// publishing (--publish).
type fleetOptions struct {
	fleetReadOptions
	durable   string
	publish   string
	hostLabel string
	maxAge    time.Duration
	buffer    int
}

func addFleetFlags(fs *pflag.FlagSet, o *fleetOptions) {
	addFleetReadFlags(fs, &o.fleetReadOptions)
	fs.StringVar(&o.durable, "durable", "", "nats:// source: resume where the last reader named NAME stopped (a durable consumer)")
	fs.StringVar(&o.publish, "publish", "", "also publish every event received, before any filter, to this NATS server (nats://[user:pass@]host:port)")
	fs.StringVar(&o.hostLabel, "host-label", "", "with --publish: this host's name on the stream (default: the hostname)")
	fs.DurationVar(&o.maxAge, "max-age", fleet.DefaultMaxAge, "with --publish: how long a stream the publisher creates keeps events")
	fs.IntVar(&o.buffer, "publish-buffer", fleet.DefaultBuffer, "with --publish: events kept in memory while the server is unreachable; more are dropped and counted")
}

// addFleetPublishFlags adds only the publishing side (serve): --publish,
// its host label, stream, limits and access.
func addFleetPublishFlags(fs *pflag.FlagSet, o *fleetOptions) {
	fs.StringVar(&o.stream, "stream", fleet.DefaultStream, "the JetStream stream to publish to")
	fs.StringVar(&o.creds, "nats-creds", "", "NATS credentials FILE (user JWT and nkey seed)")
	fs.StringVar(&o.tlsCA, "nats-tls-ca", "", "PEM FILE of the CAs that sign the NATS server's certificate")
	fs.StringVar(&o.publish, "publish", "", "also publish every event received, before any filter, to this NATS server (nats://[user:pass@]host:port)")
	fs.StringVar(&o.hostLabel, "host-label", "", "with --publish: this host's name on the stream (default: the hostname)")
	fs.DurationVar(&o.maxAge, "max-age", fleet.DefaultMaxAge, "with --publish: how long a stream the publisher creates keeps events")
	fs.IntVar(&o.buffer, "publish-buffer", fleet.DefaultBuffer, "with --publish: events kept in memory while the server is unreachable; more are dropped and counted")
}

func (o *fleetReadOptions) access(url string) fleet.Access {
	return fleet.Access{URL: url, Creds: o.creds, TLSCA: o.tlsCA}
}

// splitFleet separates the nats:// sources from the monitors' addresses.
func splitFleet(args []string) (urls, rest []string) {
	for _, a := range args {
		if fleet.IsURL(a) {
			urls = append(urls, a)
		} else {
			rest = append(rest, a)
		}
	}
	return urls, rest
}

// fleetReaders is the plan of the nats:// sources of one command: checked
// before anything connects, opened into a Merge, closed after it.
type fleetReaders struct {
	urls    []string
	o       []fleet.ReaderOptions
	readers []*fleet.Reader
}

// planFleet checks the nats:// sources and the reading flags (usage errors,
// exit 2). events are the -e globs, which become subject filters.
func planFleet(urls []string, o *fleetReadOptions, durable string, events []string) (*fleetReaders, error) {
	if len(urls) == 0 {
		for _, f := range []struct{ name, v string }{{"--host", o.host}, {"--vm", o.vm}, {"--since", o.since}, {"--durable", durable}} {
			if f.v != "" {
				return nil, usageErrorf("%s reads a nats:// source", f.name)
			}
		}
		return &fleetReaders{}, nil
	}
	if durable != "" && len(urls) > 1 {
		return nil, usageErrorf("--durable names one consumer: give one nats:// source")
	}
	var since time.Time
	if o.since != "" {
		t, err := fleet.ParseSince(o.since, time.Now())
		if err != nil {
			return nil, withCode(exitUsage, err)
		}
		since = t
	}
	f := &fleetReaders{urls: urls}
	for _, u := range urls {
		if err := fleet.CheckURL(u); err != nil {
			return nil, withCode(exitUsage, err)
		}
		ro := fleet.ReaderOptions{Access: o.access(u), Stream: o.stream, Durable: durable, Since: since,
			Selection: fleet.Selection{Host: o.host, VM: o.vm, Events: events}}
		if err := ro.Selection.Validate(); err != nil {
			return nil, withCode(exitUsage, err)
		}
		f.o = append(f.o, ro)
	}
	return f, nil
}

// open connects every planned reader and adds it to m as a source. Its
// errors are one line (server down, auth refused, stream missing, subject
// not allowed), exit 1; readers opened before stay for Close.
func (f *fleetReaders) open(ctx context.Context, m *source.Merge, notes io.Writer) error {
	for _, ro := range f.o {
		ro.NewVM, ro.Notes = m.StreamVM(ro.Redacted()), notes
		r, err := fleet.Open(ctx, ro)
		if err != nil {
			return err
		}
		f.readers = append(f.readers, r)
		fmt.Fprintf(notes, "qmpwatch: reading stream %s at %s (subjects %s)\n", ro.Stream, ro.Redacted(), ro.FilterSubject())
		m.Stream(ro.Redacted(), r)
	}
	return nil
}

// handled tells a durable reader that the engine is done with ev
// (pipeline.Options.Handled): it acknowledges it.
func (f *fleetReaders) handled(ev *decode.Event) {
	for _, r := range f.readers {
		r.Processed(ev)
	}
}

// Close stops the readers; call it once the Merge's goroutines are done.
func (f *fleetReaders) Close() {
	for _, r := range f.readers {
		r.Close()
	}
}

// startPublishing starts the --publish tee, or returns nil when it is not
// asked for. The caller closes it (closePublisher) when its stream ends.
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
	if err := fleet.CheckURL(o.publish); err != nil {
		return nil, withCode(exitUsage, fmt.Errorf("--publish %w", err))
	}
	return fleet.NewPublisher(fleet.PublisherOptions{Access: o.access(o.publish), Host: hostLabel(o.hostLabel),
		Stream: o.stream, MaxAge: o.maxAge, Buffer: o.buffer, Notes: s.ErrOut})
}

// closePublisher lets the acknowledgements of the last events arrive; an
// interrupted qmpwatch waits less.
func closePublisher(ctx context.Context, pub *fleet.Publisher) {
	grace := 30 * time.Second
	if ctx.Err() != nil {
		grace = 2 * time.Second
	}
	pub.Close(grace)
}

// watchFleet is the fleet side of one watch: the nats:// sources and the
// --publish tee.
type watchFleet struct {
	*fleetReaders
	pub *fleet.Publisher
	// sinks put the outputs beside stdout (--exec) into the same engine.
	sinks []func(*pipeline.Options)
}

// startWatchFleet checks watch's fleet flags against its arguments and
// starts the publisher. rest are the monitors' addresses.
func startWatchFleet(s *Streams, o *watchOptions, args []string) (f *watchFleet, rest []string, err error) {
	urls, rest := splitFleet(args)
	if len(urls) > 0 {
		if o.publish != "" {
			return nil, nil, usageErrorf("--publish takes events from monitors, not from a nats:// source")
		}
		if o.label != "" {
			return nil, nil, usageErrorf("--label names one VM; a nats:// source labels VMs <host>/<vm>")
		}
	}
	r, err := planFleet(urls, &o.fleetReadOptions, o.durable, o.events)
	if err != nil {
		return nil, nil, err
	}
	pub, err := startPublishing(s, &o.fleetOptions)
	if err != nil {
		return nil, nil, err
	}
	return &watchFleet{fleetReaders: r, pub: pub}, rest, nil
}

// hooks puts the fleet into the engine: the publisher is its tee, a
// durable reader hears which events were handled.
func (f *watchFleet) hooks(po *pipeline.Options) {
	if f.pub != nil {
		po.Tee = f.pub.Publish
	}
	if len(f.o) > 0 && f.o[0].Durable != "" {
		po.Handled = f.handled
	}
}
