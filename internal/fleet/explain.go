package fleet

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/qmpwatch/qmpwatch/internal/render"
)

// One line for each way a server or stream can refuse qmpwatch, naming the
// cause and the fix.

// apiError names the refusals a user can fix.
func (r *Reader) apiError(err error) error {
	msg := err.Error()
	if refused, _ := r.refused.Load().(string); refused != "" {
		err, msg = errors.New(render.Safe(refused)), refused
	}
	if strings.Contains(strings.ToLower(msg), "permission") {
		return fmt.Errorf("%s: subject not allowed for this user (filter %s on stream %s): %w", r.o.Redacted(), r.o.FilterSubject(), r.o.Stream, err)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) || errors.Is(err, jetstream.ErrJetStreamNotEnabled) ||
		errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount) || errors.Is(err, nats.ErrNoResponders) {
		return fmt.Errorf("%s: %s", r.o.Redacted(), jsCause(err, r.o.Stream))
	}
	return fmt.Errorf("%s: %w", r.o.Redacted(), err)
}

// checkShape refuses, in one line with the fix, a stream a reader cannot
// use: one that does not take the filter's subjects, or a work queue, where
// each event goes to one consumer only and is then deleted.
func (r *Reader) checkShape(cfg jetstream.StreamConfig, filter string) error {
	if cause := shapeCause(r.o.Stream, cfg, filter); cause != "" {
		return fmt.Errorf("%s: %s", r.o.Redacted(), cause)
	}
	if cfg.Retention == jetstream.WorkQueuePolicy {
		return fmt.Errorf("%s: stream %s is a work queue (each event goes to one reader, then is deleted): qmpwatch reads a limits stream, as a publisher creates; name one with --stream", r.o.Redacted(), r.o.Stream)
	}
	return nil
}

// shapeCause is why stream cfg cannot carry the subjects want (a subject
// filter of qmpwatch's), or "".
func shapeCause(stream string, cfg jetstream.StreamConfig, want string) string {
	if !takes(cfg.Subjects, want) {
		return fmt.Sprintf("stream %s does not take %s (its subjects: %s): add %s.> to its subjects, or name another stream with --stream",
			stream, want, strings.Join(cfg.Subjects, " "), Prefix)
	}
	return ""
}

// takes reports whether a stream with these subjects stores every subject
// that filter matches (qmp.>, qmp.<host>.*.*, ...): all of them have four
// tokens, so ">" stands for the rest of those.
func takes(subjects []string, filter string) bool {
	want := strings.Split(filter, ".")
	if want[len(want)-1] == ">" {
		want = want[:len(want)-1]
		for len(want) < 4 {
			want = append(want, "*")
		}
	}
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
