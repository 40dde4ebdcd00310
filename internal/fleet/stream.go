package fleet

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ensureStream uses the stream if it exists and takes this publisher's
// subjects, else creates it. false: not now, and said why on Notes (the
// events wait and it is tried again).
func (p *Publisher) ensureStream(ctx context.Context) bool {
	if !p.nc.IsConnected() {
		p.outage()
		return false
	}
	cause := p.checkStream(ctx)
	if cause != "" {
		if ctx.Err() == nil {
			p.stall(cause)
		}
		return false
	}
	return true
}

// checkStream is "" when the stream is there (created if it was missing)
// and takes qmp.<host>.>, else the cause and its fix, in one line.
func (p *Publisher) checkStream(ctx context.Context) string {
	cctx, cancel := context.WithTimeout(ctx, ackTimeout)
	defer cancel()
	s, err := p.js.Stream(cctx, p.o.Stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		s, err = p.js.CreateStream(cctx, p.StreamConfig())
		if err == nil {
			fmt.Fprintf(p.o.Notes, "qmpwatch: nats: created stream %s (subjects %s.>, max age %s, file storage)\n", p.o.Stream, Prefix, p.o.MaxAge)
		}
	}
	if err != nil {
		return jsCause(err, p.o.Stream)
	}
	cfg := s.CachedInfo().Config
	p.maxMsg.Store(int64(cfg.MaxMsgSize))
	return shapeCause(p.o.Stream, cfg, Prefix+"."+Escape(p.o.Host)+".*.*")
}

// StreamConfig is the stream a publisher creates when it is missing.
func (p *Publisher) StreamConfig() jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        p.o.Stream,
		Description: "QMP events published by qmpwatch",
		Subjects:    []string{Prefix + ".>"},
		Storage:     jetstream.FileStorage,
		MaxAge:      p.o.MaxAge,
		Duplicates:  2 * time.Minute,
	}
}
