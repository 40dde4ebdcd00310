package source

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// EventStream is a source that yields labelled events by itself, such as a
// fleet.Reader on a NATS JetStream stream. Next returns io.EOF at its end.
type EventStream interface {
	Next(ctx context.Context) (*decode.Event, error)
}

// Stream adds an EventStream (the fleet stream, named by addr) as a source:
// its events join the Merge as they come; an error other than its end is
// reported as a failure of addr.
func (m *Merge) Stream(addr string, s EventStream) {
	m.spawn(func() {
		failed := false
		defer func() { m.count(failed) }()
		for {
			ev, err := s.Next(m.ctx)
			if err != nil {
				if m.ctx.Err() != nil || errors.Is(err, io.EOF) {
					return
				}
				failed = true
				m.report(Status{Kind: Unreachable, Addr: addr, Err: err, Failure: true, At: time.Now()})
				return
			}
			if !m.send(ev) {
				return
			}
		}
	})
}

// StreamVM returns a callback for an EventStream to call when a VM first
// appears on it: it is reported as Connected at addr, with its QEMU version.
func (m *Merge) StreamVM(addr string) func(label string, qemu decode.Version) {
	return func(label string, qemu decode.Version) {
		m.report(Status{Kind: Connected, Addr: addr, VM: label, Name: label, QEMU: qemu, At: time.Now()})
	}
}
