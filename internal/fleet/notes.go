package fleet

import (
	"fmt"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/safe"
)

// The publisher's lines on its Notes: outages, recoveries, refusals, drops.

func (p *Publisher) drop(vm string) {
	n := p.dropped.Add(1)
	p.noteMu.Lock()
	defer p.noteMu.Unlock()
	p.droppedVM[vm]++
	// One line per second at most, with the running count.
	if time.Since(p.dropNote) >= time.Second {
		p.dropNote = time.Now()
		fmt.Fprintf(p.o.Notes, "qmpwatch: nats: publish buffer full (%d events): %d events dropped so far\n", p.o.Buffer, n)
	}
}

func (p *Publisher) outage() {
	p.noteMu.Lock()
	defer p.noteMu.Unlock()
	if !p.down && !p.isClosed() {
		p.down = true
		fmt.Fprintf(p.o.Notes, "qmpwatch: nats: %s unreachable; keeping up to %d events until it is back\n", p.o.Redacted(), p.o.Buffer)
	}
}

func (p *Publisher) recovered() {
	p.noteMu.Lock()
	defer p.noteMu.Unlock()
	if p.down {
		p.down = false
		fmt.Fprintf(p.o.Notes, "qmpwatch: nats: %s is back; sending the events kept meanwhile\n", p.o.Redacted())
	}
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
	msg := safe.String(err.Error())
	if msg != p.lastNote {
		p.lastNote = msg
		fmt.Fprintf(p.o.Notes, "qmpwatch: nats: %s: stream %s: %s\n", p.o.Redacted(), p.o.Stream, msg)
	}
}
