package otlp

import (
	"errors"
	"net/url"
	"strings"
	"time"
)

// send is the one goroutine that talks to the collector: it takes batches
// from the front of the queue, sends them, and retries what failed for a
// transient reason (the collector away or restarting, 429 and 503 past the
// exporter's own retries) with a growing backoff, the batch staying at the
// front so the order holds. Records keep queuing meanwhile, up to the bound.
func (s *Sink) send() {
	defer close(s.done)
	backoff := minBackoff
	away := false // said that the collector is away; say when it is back
	for {
		if !s.gather() {
			return
		}
		batch := s.q.front(maxBatch)
		err := s.exp.Export(s.ctx, batch)
		switch {
		case err == nil:
			s.q.pop(len(batch), false)
			if away {
				s.note("sending to %s again", s.o.URL)
				away = false
			}
			backoff = minBackoff
			continue
		case s.ctx.Err() != nil:
			return // Close's deadline: Close counts what is left
		case !transient(err):
			s.q.pop(len(batch), true)
			s.note("%d events not accepted by %s, dropped: %v", len(batch), s.o.URL, err)
			continue
		}
		if !away {
			s.note("cannot send to %s (%v); holding up to %d events and retrying", s.o.URL, err, s.o.Queue)
			away = true
		}
		select {
		case <-time.After(backoff):
		case <-s.ctx.Done():
			return
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// gather waits for records, and a little longer for a batch to fill. It
// returns false when Close was called and nothing is left to send.
func (s *Sink) gather() bool {
	for s.q.len() == 0 {
		select {
		case <-s.q.wake:
		case <-s.stop:
			return s.q.len() > 0
		}
	}
	if s.q.len() < maxBatch {
		select {
		case <-time.After(linger):
		case <-s.stop: // closing: send at once
		}
	}
	return true
}

// transient tells the errors worth a retry: the network (connection
// refused while the collector restarts, a timeout) and the statuses the
// exporter calls retry-able (429, 502, 503, 504) once its own retries ran
// out. Anything else (400, 401, 404, a request too large) would fail again.
func transient(err error) bool {
	var ue *url.Error
	if errors.As(err, &ue) {
		return true
	}
	return strings.Contains(err.Error(), "retry-able")
}

// sayDrops says the overflow drops once a second, with their count, until
// Close; each drop is also counted (DroppedByVM).
func (s *Sink) sayDrops() {
	defer close(s.notes)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-s.ctx.Done():
		}
		if n := s.q.takeUnsaid(); n > 0 {
			s.note("%d events dropped: the queue of %d events for %s is full", n, s.o.Queue, s.o.URL)
		}
		if s.ctx.Err() != nil {
			return
		}
	}
}
