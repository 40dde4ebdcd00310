package fleet

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// A durable reader (--durable NAME): its consumer is kept by the server,
// acknowledged as each event is processed, and never gives an event twice.

// durable gets the named consumer, or creates it starting live (or at
// Since). An existing consumer keeps its position: that is the point.
func (r *Reader) durable(ctx context.Context, js jetstream.JetStream, filter string) (jetstream.Consumer, error) {
	o := r.o
	c, err := js.Consumer(ctx, o.Stream, o.Durable)
	if err == nil {
		cfg := c.CachedInfo().Config
		if cfg.FilterSubject != filter {
			return nil, fmt.Errorf("durable consumer %s filters %s, not %s: use the same --host/--vm/-e or another --durable name", o.Durable, cfg.FilterSubject, filter)
		}
		info := c.CachedInfo()
		if info.NumAckPending == 0 && info.NumRedelivered == 0 {
			return c, nil
		}
		// The previous reader stopped with events it had received but
		// not processed. The server would send them again only after
		// the acknowledgement wait, after newer ones: start over right
		// after the last processed event instead.
		if err := js.DeleteConsumer(ctx, o.Stream, o.Durable); err != nil {
			return nil, err
		}
		cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartSequencePolicy, nil
		cfg.OptStartSeq = info.AckFloor.Stream + 1
		return js.CreateConsumer(ctx, o.Stream, cfg)
	}
	if !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return nil, err
	}
	cfg := jetstream.ConsumerConfig{
		Durable:       o.Durable,
		Description:   "qmpwatch --durable reader",
		FilterSubject: filter,
		AckPolicy:     jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverNewPolicy,
		MaxAckPending: 4096,
		AckWait:       o.AckWait,
	}
	if !o.Since.IsZero() {
		t := o.Since
		cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartTimePolicy, &t
	}
	return js.CreateConsumer(ctx, o.Stream, cfg)
}

// fresh tells, for a durable reader, a message not given out before (true,
// with its stream sequence) from a redelivery: the server sends an event
// again when its acknowledgement came late or was lost (a server killed
// and restarted), after newer ones. A redelivery is never shown twice: it
// is acknowledged again if it was processed, and otherwise left to the
// acknowledgement of the copy given out. A message the client library
// dropped (a slow consumer, after a reconnect) was never given out: its
// redelivery comes after newer ones, and is given out then, late rather
// than lost. So what was given out is remembered by sequence (seqWindow),
// not by the highest sequence seen.
func (r *Reader) fresh(m jetstream.Msg) (uint64, bool) {
	if r.o.Durable == "" {
		return 0, true
	}
	meta, err := m.Metadata()
	if err != nil {
		return 0, true // not a JetStream delivery: nothing to compare
	}
	seq := meta.Sequence.Stream
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.given.has(seq) {
		r.given.add(seq)
		return seq, true
	}
	if !r.pendingSeq[seq] {
		_ = m.Ack()
	}
	return seq, false
}

// Processed acknowledges, for a durable reader, ev and every event given
// out before it, at once: the consumer then resumes after it, and the
// server has no reason to send it again. Call it once an event has been
// handled (shown, or refused by the filters). It does nothing for other
// readers and other events.
func (r *Reader) Processed(ev *decode.Event) {
	if r.o.Durable == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.pending[ev]; !ok {
		return
	}
	for len(r.order) > 0 {
		e := r.order[0]
		r.order = r.order[1:]
		m := r.pending[e]
		delete(r.pending, e)
		if meta, err := m.Metadata(); err == nil {
			delete(r.pendingSeq, meta.Sequence.Stream)
			r.acked = max(r.acked, meta.Sequence.Stream)
		}
		_ = m.Ack()
		if e == ev {
			return
		}
	}
}

// confirmAcks waits, for a durable reader, until the server has taken in
// every acknowledgement sent (they are processed asynchronously): the
// consumer's acknowledged floor reaches the last one.
func (r *Reader) confirmAcks() error {
	r.mu.Lock()
	acked := r.acked
	r.mu.Unlock()
	if r.o.Durable == "" || acked == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var floor uint64
	for {
		info, err := r.cons.Info(ctx)
		if err == nil {
			if floor = info.AckFloor.Stream; floor >= acked {
				return nil
			}
		}
		if ctx.Err() != nil {
			return fmt.Errorf("the server acknowledged up to stream sequence %d of %d", floor, acked)
		}
		if !sleep(ctx, 20*time.Millisecond) {
			return ctx.Err()
		}
	}
}
