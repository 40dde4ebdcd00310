package cmdutil

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/fleet"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// FleetReadOptions are the flags of every command that reads the NATS
// JetStream fleet stream as a source (watch, sessions, jobs: docs/fleet.md).
type FleetReadOptions struct {
	Host, VM string
	Since    string
	Stream   string
	Creds    string
	TLSCA    string
}

func AddFleetReadFlags(fs *pflag.FlagSet, o *FleetReadOptions) {
	fs.StringVar(&o.Host, "host", "", "nats:// source: keep the hosts whose label matches this glob")
	fs.StringVar(&o.VM, "vm", "", "nats:// source: keep the VMs whose name matches this glob")
	fs.StringVar(&o.Since, "since", "", "nats:// source: start this far back (1h, 1d) or at this TIME (as replay --since), then live")
	fs.StringVar(&o.Stream, "stream", fleet.DefaultStream, "the JetStream stream to read or publish")
	fs.StringVar(&o.Creds, "nats-creds", "", "NATS credentials FILE (user JWT and nkey seed)")
	fs.StringVar(&o.TLSCA, "nats-tls-ca", "", "PEM FILE of the CAs that sign the NATS server's certificate")
}

// FleetOptions are watch's fleet flags: reading (with --durable) and
// publishing (--publish).
type FleetOptions struct {
	FleetReadOptions
	Durable   string
	Publish   string
	HostLabel string
	MaxAge    time.Duration
	Buffer    int
}

func AddFleetFlags(fs *pflag.FlagSet, o *FleetOptions) {
	AddFleetReadFlags(fs, &o.FleetReadOptions)
	fs.StringVar(&o.Durable, "durable", "", "nats:// source: resume where the last reader named NAME stopped (a durable consumer)")
	fs.StringVar(&o.Publish, "publish", "", "also publish every event received, before any filter, to this NATS server (nats://[user:pass@]host:port)")
	fs.StringVar(&o.HostLabel, "host-label", "", "with --publish: this host's name on the stream (default: the hostname)")
	fs.DurationVar(&o.MaxAge, "max-age", fleet.DefaultMaxAge, "with --publish: how long a stream the publisher creates keeps events")
	fs.IntVar(&o.Buffer, "publish-buffer", fleet.DefaultBuffer, "with --publish: events kept in memory while the server is unreachable; more are dropped and counted")
}

// AddFleetPublishFlags adds only the publishing side (serve): --publish,
// its host label, stream, limits and access.
func AddFleetPublishFlags(fs *pflag.FlagSet, o *FleetOptions) {
	fs.StringVar(&o.Stream, "stream", fleet.DefaultStream, "the JetStream stream to publish to")
	fs.StringVar(&o.Creds, "nats-creds", "", "NATS credentials FILE (user JWT and nkey seed)")
	fs.StringVar(&o.TLSCA, "nats-tls-ca", "", "PEM FILE of the CAs that sign the NATS server's certificate")
	fs.StringVar(&o.Publish, "publish", "", "also publish every event received, before any filter, to this NATS server (nats://[user:pass@]host:port)")
	fs.StringVar(&o.HostLabel, "host-label", "", "with --publish: this host's name on the stream (default: the hostname)")
	fs.DurationVar(&o.MaxAge, "max-age", fleet.DefaultMaxAge, "with --publish: how long a stream the publisher creates keeps events")
	fs.IntVar(&o.Buffer, "publish-buffer", fleet.DefaultBuffer, "with --publish: events kept in memory while the server is unreachable; more are dropped and counted")
}

// Spec is the fleet part of a source.Spec: the reading flags, with
// watch's --durable and -e (subject filters).
func (o *FleetReadOptions) Spec(durable string, events []string) source.Fleet {
	return source.Fleet{Host: o.Host, VM: o.VM, Since: o.Since, Durable: durable, Stream: o.Stream,
		Creds: o.Creds, TLSCA: o.TLSCA, Events: events}
}

// CheckPublish checks --publish and its flags before anything starts;
// readsFleet: the command reads a nats:// source, which --publish never
// copies back into the stream.
func (o *FleetOptions) CheckPublish(readsFleet bool) error {
	if o.Publish == "" {
		if o.HostLabel != "" {
			return exitcode.Usagef("--host-label goes with --publish")
		}
		return nil
	}
	if readsFleet {
		return exitcode.Usagef("--publish takes events from monitors, not from a nats:// source")
	}
	if !fleet.IsURL(o.Publish) {
		return exitcode.Usagef("--publish %s: want nats://host:port", o.Publish)
	}
	if err := fleet.CheckURL(o.Publish); err != nil {
		return fmt.Errorf("--publish %w", err) // coded: a usage error
	}
	return nil
}
