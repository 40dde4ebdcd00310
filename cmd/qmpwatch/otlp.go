package main

import (
	"context"
	"time"

	"github.com/spf13/pflag"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/otlp"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/version"
)

// otlpOptions is --otlp, on watch and serve (docs/otlp.md).
type otlpOptions struct {
	otlp string
	sink *otlp.Sink // started by startOTLP
}

func addOTLPFlag(fs *pflag.FlagSet, o *otlpOptions) {
	fs.StringVar(&o.otlp, "otlp", "", "also send each event that passes the filters, as an OpenTelemetry log record, to the collector at `URL` (OTLP/HTTP, e.g. http://127.0.0.1:4318; docs/otlp.md)")
}

// startOTLP starts the --otlp sink, when asked for, as one of eo's sinks,
// and returns what stops it: the queue gets a deadline to drain, shorter
// when qmpwatch was interrupted (SIGINT, SIGTERM). It opens no connection.
func startOTLP(ctx context.Context, s *iostreams.Streams, o *otlpOptions, eo *cmdutil.EventOptions) (stop func(), err error) {
	if o.otlp == "" {
		return func() {}, nil
	}
	if _, err := otlp.CheckURL(o.otlp); err != nil {
		return nil, exitcode.With(exitcode.Usage, err)
	}
	v, _ := version.Get()
	o.sink, err = otlp.New(otlp.Options{URL: o.otlp, Version: v, Host: cmdutil.HostLabel(""), Notes: s.ErrOut})
	if err != nil {
		return nil, err
	}
	eo.Sinks = append(eo.Sinks, o.sink)
	return func() {
		grace := 30 * time.Second
		if ctx.Err() != nil {
			grace = otlp.FlushTimeout
		}
		o.sink.Close(grace)
	}, nil
}

// withAddresses also tells the --otlp sink each VM's monitor address, for
// the records' qemu.monitor.address.
func (o *otlpOptions) withAddresses(so source.Options) source.Options {
	if o.sink == nil {
		return so
	}
	status := so.Status
	so.Status = func(st source.Status) {
		o.sink.Status(st)
		status(st)
	}
	return so
}
