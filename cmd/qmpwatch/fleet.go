package main

import (
	"context"
	"fmt"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"

	"github.com/spf13/pflag"

	"github.com/qmpwatch/qmpwatch/internal/fleet"
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
	fs.StringVar(&o.since, "since", "", "nats:// source: start this far back (1h, 1d) or at this TIME (as replay --since), then live")
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

// spec is the fleet part of a source.Spec: the reading flags, with
// watch's --durable and -e (subject filters).
func (o *fleetReadOptions) spec(durable string, events []string) source.Fleet {
	return source.Fleet{Host: o.host, VM: o.vm, Since: o.since, Durable: durable, Stream: o.stream,
		Creds: o.creds, TLSCA: o.tlsCA, Events: events}
}

// checkPublish checks --publish and its flags before anything starts;
// readsFleet: the command reads a nats:// source, which --publish never
// copies back into the stream.
func (o *fleetOptions) checkPublish(readsFleet bool) error {
	if o.publish == "" {
		if o.hostLabel != "" {
			return exitcode.Usagef("--host-label goes with --publish")
		}
		return nil
	}
	if readsFleet {
		return exitcode.Usagef("--publish takes events from monitors, not from a nats:// source")
	}
	if !fleet.IsURL(o.publish) {
		return exitcode.Usagef("--publish %s: want nats://host:port", o.publish)
	}
	if err := fleet.CheckURL(o.publish); err != nil {
		return fmt.Errorf("--publish %w", err) // coded: a usage error
	}
	return nil
}

// startPublishing starts the checked --publish tee, or returns nil when
// it is not asked for. The caller closes it (closePublisher) when its
// stream ends.
func startPublishing(s *iostreams.Streams, o *fleetOptions) (*fleet.Publisher, error) {
	if o.publish == "" {
		return nil, nil
	}
	return fleet.NewPublisher(fleet.PublisherOptions{Access: fleet.Access{URL: o.publish, Creds: o.creds, TLSCA: o.tlsCA}, Host: cmdutil.HostLabel(o.hostLabel),
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
