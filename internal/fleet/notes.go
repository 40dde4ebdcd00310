package fleet

import (
	"context"
	"fmt"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/render"
)

// The publisher's lines on its Notes: outages, recoveries, refusals, drops.

func (p *Publisher) drop(vm string) {
	n := p.dropped.Add(1)
	p.noteMu.Lock()
	defer p.noteMu.Unlock()
	p.droppedVM[vm]++
	p.droppedWhy[ReasonBufferFull]++
	// One line per second at most, with the running count.
	if time.Since(p.dropNote) >= time.Second {
		p.dropNote = time.Now()
		fmt.Fprintf(p.o.Notes, "qmpwatch: nats: publish buffer full (%d events): %d events dropped so far\n", p.o.Buffer, n)
	}
}

// outage: the server is away (or not yet there).
func (p *Publisher) outage() {
	p.noteMu.Lock()
	defer p.noteMu.Unlock()
	if p.setDown(causeUnreachable) {
		fmt.Fprintf(p.o.Notes, "qmpwatch: nats: %s unreachable; keeping up to %d events until it is back\n", p.o.Redacted(), p.o.Buffer)
	}
}

// stall: the server is there but does not store the events (no stream
// that takes them, JetStream off, no acknowledgement): cause says why and
// the fix, once for each new cause.
func (p *Publisher) stall(cause string) {
	p.noteMu.Lock()
	defer p.noteMu.Unlock()
	if p.setDown(cause) {
		fmt.Fprintf(p.o.Notes, "qmpwatch: nats: %s: %s; keeping up to %d events and retrying\n", p.o.Redacted(), render.Safe(cause), p.o.Buffer)
	}
}

// failure: sending failed for a reason other than one message's refusal.
func (p *Publisher) failure(err error) {
	if !p.nc.IsConnected() {
		p.outage()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), ackTimeout)
	defer cancel()
	cause := p.checkStream(ctx)
	if cause == "" {
		cause = "publishing failed: " + err.Error()
	}
	p.stall(cause)
}

// setDown records an outage with its cause, under noteMu; true when the
// cause is new and worth a line.
func (p *Publisher) setDown(cause string) bool {
	if p.isClosed() {
		return false
	}
	if !p.down {
		p.down, p.downSince = true, time.Now()
	}
	if cause == p.downCause {
		return false
	}
	p.downCause = cause
	return true
}

func (p *Publisher) recovered() {
	p.noteMu.Lock()
	defer p.noteMu.Unlock()
	if p.down {
		p.down = false
		if p.downCause == causeUnreachable {
			fmt.Fprintf(p.o.Notes, "qmpwatch: nats: %s is back; sending the events kept meanwhile\n", p.o.Redacted())
		} else {
			fmt.Fprintf(p.o.Notes, "qmpwatch: nats: %s stores events again; sending the events kept meanwhile\n", p.o.Redacted())
		}
		p.downCause = ""
	}
}

// Problem is why publishing has been failing for longer than StuckAfter
// ("" while it works, or has failed only briefly): what serve's /healthz
// reports.
func (p *Publisher) Problem() string {
	p.noteMu.Lock()
	defer p.noteMu.Unlock()
	if !p.down {
		return ""
	}
	d := time.Since(p.downSince)
	if d < p.o.StuckAfter {
		return ""
	}
	return render.Safe(fmt.Sprintf("publishing to %s stuck for %s, %d events waiting: %s", p.o.Redacted(), d.Round(time.Second), p.Pending(), p.downCause))
}

// isDown: sending fails (server away, or refusing).
func (p *Publisher) isDown() bool {
	p.noteMu.Lock()
	defer p.noteMu.Unlock()
	return p.down
}

// note reports a server-side refusal once per distinct text.
func (p *Publisher) note(err error) {
	p.noteMu.Lock()
	defer p.noteMu.Unlock()
	msg := render.Safe(err.Error())
	if msg != p.lastNote {
		p.lastNote = msg
		fmt.Fprintf(p.o.Notes, "qmpwatch: nats: %s: stream %s: %s\n", p.o.Redacted(), p.o.Stream, msg)
	}
}
