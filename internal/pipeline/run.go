package pipeline

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

type item struct {
	ev  *decode.Event
	err error
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
	if p.o.Timeout > 0 && p.awaiting() {
		clock := time.NewTimer(p.o.Timeout)
		defer clock.Stop()
		expired = clock.C
	}
	q := make(chan item, 256)
	go func() {
		defer close(q)
		for {
			ev, err := src.Next(ctx)
			select {
			case q <- item{ev, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	for {
		var it item
		var ok bool
		select {
		case it, ok = <-q:
		case <-expired:
			p.Flush()
			return p.timeoutErr()
		default:
			if err := p.Flush(); err != nil {
				return err
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
				return ferr
			}
			if err := endOfStream(ctx, it.err); err != nil || ctx.Err() != nil {
				return err
			}
			// A normal end, unless --count or --until was still waiting.
			return p.endErr()
		}
		done, err := p.Emit(ctx, it.ev)
		if err != nil {
			p.Flush()
			return err
		}
		if done {
			return p.Flush()
		}
	}
}

// endOfStream says whether the error that ended a stream is a failure.
// QEMU going away is a normal end (its source reported it).
func endOfStream(ctx context.Context, err error) error {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, io.EOF) || errors.Is(err, conn.ErrClosed) {
		return nil
	}
	var fe *source.FailedError
	if errors.As(err, &fe) {
		return Reported{Code: ExitError}
	}
	return err
}
