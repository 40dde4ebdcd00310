package pipeline

import (
	"context"
	"errors"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// item is what the reader hands the writer: events of one batch, in
// order, or the error that ended the source.
type item struct {
	evs []*decode.Event
	err error
}

// reader moves src's events into q until src ends or ctx is done: batches
// from a Batcher, single events from any other source.
func reader(ctx context.Context, src source.Source, q chan<- item) {
	defer close(q)
	b, batches := src.(source.Batcher)
	for {
		var it item
		if batches {
			it.evs, it.err = b.NextBatch(ctx)
		} else {
			var ev *decode.Event
			if ev, it.err = src.Next(ctx); it.err == nil {
				it.evs = []*decode.Event{ev}
			}
		}
		select {
		case q <- it:
		case <-ctx.Done():
			return
		}
		if it.err != nil {
			return
		}
	}
}

// Run moves events from src through the pipeline until src ends, ctx is
// done, or --count, --until or --timeout ends the run. A goroutine reads
// ahead into a small bounded queue; the writer flushes whenever the queue
// is empty, so output is flushed per event when events trickle in and
// batched when they flood. When the consumer is slow, the queue fills, the
// reader stops reading, and QEMU queues: back-pressure, not lost events.
//
// The end of the input (io.EOF, source.ErrEnded) and a cancelled ctx are
// normal ends (nil), unless --count or --until was still waiting (exit 4).
// A Merge whose sources failed ends with Reported: each failure was
// already reported as a status.
func (p *Pipeline) Run(ctx context.Context, src source.Source) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var expired <-chan time.Time // --timeout; nil (never) without one
	if dl := p.Deadline(); !dl.IsZero() {
		clock := time.NewTimer(time.Until(dl))
		defer clock.Stop()
		expired = clock.C
	}
	// The read-ahead holds up to source.QueueSize events: single events,
	// or fewer batches of up to source.MaxBatch.
	size := source.QueueSize
	if _, ok := src.(source.Batcher); ok {
		size = source.QueueBatches
	}
	q := make(chan item, size)
	go reader(ctx, src, q)
	for {
		var it item
		var ok bool
		select {
		case it, ok = <-q:
		case <-expired:
			if err := p.Flush(); err != nil {
				return p.failed(ctx, nil, q, err)
			}
			return p.timeoutErr()
		default:
			if err := p.Flush(); err != nil {
				return p.failed(ctx, nil, q, err)
			}
			select {
			case it, ok = <-q:
			case <-expired:
				return p.timeoutErr()
			case <-ctx.Done():
				// A source blocked in a read that ctx cannot end (stdin).
				return p.Flush()
			}
		}
		if !ok {
			return p.Flush()
		}
		if it.err != nil {
			if ferr := p.Flush(); ferr != nil {
				return p.failed(ctx, nil, q, ferr)
			}
			if e, ok := src.(source.Ender); ok {
				e.Ended()
			}
			if err := source.EndErr(ctx, it.err); err != nil || ctx.Err() != nil {
				return err
			}
			// A normal end, unless --count or --until was still waiting.
			return p.endErr()
		}
		for i, ev := range it.evs {
			done, err := p.Emit(ctx, ev)
			if err != nil {
				p.Flush()
				return p.failed(ctx, it.evs[i+1:], q, err)
			}
			if p.o.Handled != nil {
				p.o.Handled(ev)
			}
			if done {
				// --count or --until is reached: nothing more is shown.
				return p.Flush()
			}
		}
	}
}

// failed ends a run on err. When the record failed, the events already
// received (the rest of the batch, and those queued) are still shown on stdout before the error ends
// the run; any other error ends it as it is.
func (p *Pipeline) failed(ctx context.Context, rest []*decode.Event, q <-chan item, err error) error {
	if !isRecordErr(err) {
		return err
	}
	for {
		// The recorder writes nothing more; Emit only shows.
		for _, ev := range rest {
			if done, eerr := p.Emit(ctx, ev); done || eerr != nil {
				p.Flush()
				return err
			}
		}
		select {
		case it, ok := <-q:
			if !ok || it.err != nil {
				p.Flush()
				return err
			}
			rest = it.evs
		default:
			p.Flush()
			return err
		}
	}
}

func isRecordErr(err error) bool {
	var re *RecordError
	return errors.As(err, &re)
}
