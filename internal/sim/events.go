package sim

import (
	"context"
	"io"
	"strconv"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// sendEvents plays the recording to the client: once, or forever with Loop.
func (ss *session) sendEvents(ctx context.Context) error {
	for {
		if err := ss.pass(ctx); err != nil {
			return err
		}
		if !ss.s.o.Loop {
			return ss.flush()
		}
	}
}

// pass plays the recording once. Pauses follow a virtual clock (start plus
// the sum of the scaled, capped gaps), so sleeping late never accumulates
// into drift over a long recording.
func (ss *session) pass(ctx context.Context) error {
	r, closer, err := ss.s.rec.reader(nil)
	if err != nil {
		return err
	}
	defer closer.Close()
	o := ss.s.o
	start := time.Now()
	var elapsed time.Duration
	prev := int64(-1) // previous event's time in µs, -1 before the first
	for {
		ev, err := r.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if o.Speed > 0 && ev.Seconds >= 0 {
			now := ev.Seconds*1e6 + ev.Micros
			if prev >= 0 && now > prev {
				gap := time.Duration(float64(now-prev) * float64(time.Microsecond) / o.Speed)
				if o.MaxGap > 0 && gap > o.MaxGap {
					gap = o.MaxGap
				}
				elapsed += gap
			}
			prev = now
			if wait := time.Until(start.Add(elapsed)); wait > 0 {
				if err := ss.flush(); err != nil {
					return err
				}
				if err := sleep(ctx, wait); err != nil {
					return nil
				}
			}
		}
		if err := ss.event(ev); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// event writes one event as QEMU would. A recorded QEMU event goes out byte
// for byte; one that needs a new timestamp, or that carries qmpwatch's "vm"
// (a json log), is rebuilt in QEMU's member order and spacing.
func (ss *session) event(ev *decode.Event) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	switch ev.Name {
	case "STOP":
		ss.status = "paused"
	case "RESUME":
		ss.status = "running"
	case "SHUTDOWN":
		ss.status = "shutdown"
	}
	b := ss.buf[:0]
	if ev.HasVM || ss.s.o.Retime {
		sec, us := ev.Seconds, ev.Micros
		if ss.s.o.Retime {
			t := time.Now()
			sec, us = t.Unix(), int64(t.Nanosecond()/1000)
		}
		b = append(b, `{"timestamp": {"seconds": `...)
		b = strconv.AppendInt(b, sec, 10)
		b = append(b, `, "microseconds": `...)
		b = strconv.AppendInt(b, us, 10)
		b = append(b, `}, "event": `...)
		b = decode.AppendQuote(b, ev.Name)
		if ev.DataRaw != nil {
			b = append(b, `, "data": `...)
			b = append(b, ev.DataRaw...)
		}
		b = append(b, '}')
	} else {
		b = append(b, ev.Raw...)
	}
	b = append(b, '\r', '\n')
	ss.buf = b
	_, err := ss.w.Write(b)
	if err == nil && ss.s.o.Speed > 0 {
		err = ss.w.Flush()
	}
	return err
}

func (ss *session) flush() error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.w.Flush()
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
