package fleet

import (
	"errors"
	"fmt"
	"maps"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/qmpwatch/qmpwatch/internal/render"
)

// Why a message is refused for good: sending it again can never work, so it
// costs that message only and publishing goes on for every other VM.
const (
	// ReasonSubjectTooLong: qmp.<host>.<vm>.<EVENT> longer than a server
	// accepts in one protocol line (max_control_line, 4 KB by default); the
	// server would close the connection on it.
	ReasonSubjectTooLong = "subject-too-long"
	// ReasonTooLarge: the message is over the server's max_payload or the
	// stream's MaxMsgSize.
	ReasonTooLarge = "too-large"
	// ReasonRefused: the stream answered this message with an error of
	// its own (a full stream that discards new messages, say).
	ReasonRefused = "refused"
	// ReasonBufferFull: the server was away and the buffer was full.
	ReasonBufferFull = "buffer-full"
)

// maxSubject is the longest subject sent. A server reads "HPUB <subject>
// <reply> <header size> <size>" as one line of at most max_control_line
// (4096 by default, and not announced in INFO); the rest is room for the
// acknowledgement's reply subject and the sizes.
const maxSubject = 4096 - 128

// headerSize is the size of m's header block on the wire.
func headerSize(m *nats.Msg) int {
	if len(m.Header) == 0 {
		return 0
	}
	n := len("NATS/1.0\r\n\r\n")
	for k, vs := range m.Header {
		for _, v := range vs {
			n += len(k) + len(": ") + len(v) + len("\r\n")
		}
	}
	return n
}

// refusal is why m can never be stored ("" when it may be): checked before
// it is sent, against the server's and the stream's limits.
func (p *Publisher) refusal(m *nats.Msg) (reason, detail string) {
	if len(m.Subject) > maxSubject {
		return ReasonSubjectTooLong, fmt.Sprintf("subject of %d bytes, over the %d a server takes", len(m.Subject), maxSubject)
	}
	size := int64(len(m.Data) + headerSize(m))
	if mp := p.nc.MaxPayload(); mp > 0 && size > mp {
		return ReasonTooLarge, fmt.Sprintf("%d bytes, over the server's max_payload %d", size, mp)
	}
	if ms := p.maxMsg.Load(); ms > 0 && size > ms {
		return ReasonTooLarge, fmt.Sprintf("%d bytes, over stream %s's max_msg_size %d", size, p.o.Stream, ms)
	}
	return "", ""
}

// ackRefusal is why the stream refused one message for good, from its
// acknowledgement; "" for failures worth a retry (the server away, the
// stream missing, no answer).
func ackRefusal(err error) (reason, detail string) {
	var apiErr *jetstream.APIError
	if errors.Is(err, nats.ErrMaxPayload) {
		return ReasonTooLarge, err.Error()
	}
	if !errors.As(err, &apiErr) || apiErr.ErrorCode == jetstream.JSErrCodeStreamNotFound || apiErr.Code == 503 {
		return "", ""
	}
	if apiErr.ErrorCode == jetstream.JSErrCodeStreamMessageExceedsMaximum {
		return ReasonTooLarge, apiErr.Description
	}
	return ReasonRefused, apiErr.Description
}

// refused counts one message dropped for good and says so: one line for
// the first of each VM and reason (a VM whose name is too long for a
// subject would otherwise say it for every event), with the running count.
func (p *Publisher) refused(m *nats.Msg, reason, detail string) {
	vm := m.Subject
	if _, v, _, err := ParseSubject(m.Subject); err == nil {
		vm = v
	}
	n := p.dropped.Add(1)
	p.noteMu.Lock()
	defer p.noteMu.Unlock()
	p.droppedVM[vm]++
	p.droppedWhy[reason]++
	key := reason + "\x00" + vm
	if p.refusedSaid[key] {
		return
	}
	p.refusedSaid[key] = true
	fmt.Fprintf(p.o.Notes, "qmpwatch: nats: dropped an event of VM %q that %s refuses (%s: %s); the others go on (%d dropped so far)\n",
		render.Safe(vm), p.o.Redacted(), reason, render.Safe(detail), n)
}

// DroppedByReason is Dropped per reason (Reason*).
func (p *Publisher) DroppedByReason() map[string]uint64 {
	p.noteMu.Lock()
	defer p.noteMu.Unlock()
	return maps.Clone(p.droppedWhy)
}
