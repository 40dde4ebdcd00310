package fleet

import (
	"context"
	"errors"
	"fmt"
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
	for !p.ensureStream(ctx) {
		if !sleep(ctx, retryWait) {
			return
		}
	}
	var futures []jetstream.PubAckFuture // in queue order
	for {
		p.mu.Lock()
		n := len(p.queue)
		var next []*nats.Msg
		if k := len(futures); k < n && k < window {
			next = append(next, p.queue[k:min(n, window)]...)
		}
		p.mu.Unlock()
		failed := false
		for _, m := range next {
			f, err := p.js.PublishMsgAsync(m)
			if err != nil {
				failed = true
				break
			}
			futures = append(futures, f)
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
			if err != nil {
				if errors.Is(err, jetstream.ErrNoStreamResponse) || isNotFound(err) {
					p.note(err)
				}
				failed = true
				break
			}
			futures = futures[1:]
			p.mu.Lock()
			p.queue[0] = nil
			p.queue = p.queue[1:]
			p.mu.Unlock()
			p.acked.Add(1)
			p.recovered()
			select {
			case p.space <- struct{}{}:
			default:
			}
		}
		if failed {
			p.outage()
			futures = nil
			if !sleep(ctx, retryWait) {
				return
			}
			for !p.ensureStream(ctx) {
				if !sleep(ctx, retryWait) {
					return
				}
			}
		}
	}
}

func isConnRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED)
}

func isNotFound(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamNotFound
}

// ensureStream uses the stream if it exists, else creates it.
func (p *Publisher) ensureStream(ctx context.Context) bool {
	if !p.nc.IsConnected() {
		p.outage()
		return false
	}
	cctx, cancel := context.WithTimeout(ctx, ackTimeout)
	defer cancel()
	_, err := p.js.Stream(cctx, p.o.Stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		_, err = p.js.CreateStream(cctx, p.StreamConfig())
		if err == nil {
			fmt.Fprintf(p.o.Notes, "qmpwatch: nats: created stream %s (subjects %s.>, max age %s, file storage)\n", p.o.Stream, Prefix, p.o.MaxAge)
		}
	}
	if err != nil {
		if ctx.Err() == nil {
			p.note(err)
		}
		return false
	}
	return true
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
