package fleet

import (
	"context"
	"errors"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// run sends the queue until ctx ends: the stream first, then a window of
// asynchronous publishes whose acknowledgements come back in order. On any
// failure everything not yet acknowledged is sent again, from the oldest:
// the message ids make the stream drop what it already stored.
func (p *Publisher) run(ctx context.Context) {
	defer close(p.done)
	if !p.waitStream(ctx) {
		return
	}
	var futures []jetstream.PubAckFuture // in queue order
	for {
		failed := false
		for !failed && len(futures) < window {
			p.mu.Lock()
			k := len(futures)
			if k >= len(p.queue) {
				p.mu.Unlock()
				break
			}
			m := p.queue[k]
			p.mu.Unlock()
			// Publish checked the limits already, unless they were not
			// known yet (no connection, the stream not yet seen).
			reason, detail := p.refusal(m)
			if reason == "" {
				f, err := p.js.PublishMsgAsync(m)
				if err == nil {
					futures = append(futures, f)
					continue
				}
				if reason, detail = ackRefusal(err); reason == "" {
					p.failure(err)
					failed = true
					break
				}
			}
			p.removeAt(k)
			p.refused(m, reason, detail)
		}
		if len(futures) == 0 && !failed {
			select {
			case <-p.wake:
				continue
			case <-ctx.Done():
				return
			}
		}
		// The oldest acknowledgement, then every one that is already in.
		for block := true; len(futures) > 0 && !failed; block = false {
			f := futures[0]
			var err error
			if block {
				select {
				case <-f.Ok():
				case err = <-f.Err():
				case <-ctx.Done():
					return
				}
			} else {
				select {
				case <-f.Ok():
				case err = <-f.Err():
				default:
					block = true // send more while waiting
				}
				if block {
					break
				}
			}
			reason, detail := "", ""
			if err != nil {
				// A refusal of this one message costs this message
				// only; anything else is worth sending again.
				if reason, detail = ackRefusal(err); reason == "" {
					p.failure(err)
					failed = true
					break
				}
			}
			futures = futures[1:]
			m := p.removeAt(0)
			if reason != "" {
				p.refused(m, reason, detail)
				continue
			}
			p.acked.Add(1)
			p.recovered()
		}
		if failed {
			futures = nil
			if !sleep(ctx, retryWait) {
				return
			}
			if !p.waitStream(ctx) {
				return
			}
		}
	}
}

// waitStream retries ensureStream until it works (true) or ctx ends.
func (p *Publisher) waitStream(ctx context.Context) bool {
	for !p.ensureStream(ctx) {
		if !sleep(ctx, retryWait) {
			return false
		}
	}
	if p.Pending() == 0 {
		p.recovered() // no acknowledgement to come and prove it
	}
	return true
}

func isConnRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED)
}

// removeAt takes message k out of the queue (acknowledged, or refused for
// good) and makes room for Publish.
func (p *Publisher) removeAt(k int) *nats.Msg {
	p.mu.Lock()
	m := p.queue[k]
	if k == 0 {
		p.queue[0] = nil
		p.queue = p.queue[1:]
	} else {
		// Rare: a limit learnt after the message was queued.
		p.queue = append(p.queue[:k], p.queue[k+1:]...)
	}
	p.mu.Unlock()
	select {
	case p.space <- struct{}{}:
	default:
	}
	return m
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
