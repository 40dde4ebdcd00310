package fleet

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
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
	if !takes(cfg.Subjects, Escape(p.o.Host)) {
		return fmt.Sprintf("stream %s does not take %s.> (its subjects: %s): add %s.> to its subjects, or name another stream with --stream",
			p.o.Stream, Prefix, strings.Join(cfg.Subjects, " "), Prefix)
	}
	return ""
}

// takes reports whether a stream with these subjects stores every
// qmp.<host>.<vm>.<EVENT> of one host, whatever the VM and event.
func takes(subjects []string, host string) bool {
	want := []string{Prefix, host, "*", "*"}
	for _, s := range subjects {
		if covers(strings.Split(s, "."), want) {
			return true
		}
	}
	return false
}

// covers: the filter's tokens match every subject of want's, where a "*"
// in want stands for any token and so needs a wildcard in the filter.
func covers(filter, want []string) bool {
	for i, f := range filter {
		if f == ">" {
			return i < len(want)
		}
		if i >= len(want) || (f != "*" && f != want[i]) {
			return false
		}
	}
	return len(filter) == len(want)
}

// jsCause names, in one line, why the JetStream API of a stream did not
// answer as it should, and the fix when there is one.
func jsCause(err error, stream string) string {
	switch {
	case errors.Is(err, jetstream.ErrJetStreamNotEnabled), errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount),
		errors.Is(err, nats.ErrNoResponders):
		return "JetStream is not enabled on the server or for this account: start nats-server with -js (or jetstream {} in its configuration, and jetstream: enabled in the account)"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout):
		return "no JetStream answer in time (is JetStream enabled, may this user use $JS.API.>?)"
	case strings.Contains(strings.ToLower(err.Error()), "permission"):
		return fmt.Sprintf("this user may not use the JetStream API of stream %s: allow $JS.API.STREAM.INFO.%s (and .CREATE.%s to create it): %v", stream, stream, stream, err)
	}
	return fmt.Sprintf("stream %s: %v", stream, err)
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
