package logfile

import "github.com/qmpwatch/qmpwatch/internal/decode"

// alloc hands out event memory in chunks, so that reading a big log costs a
// few allocations per thousand events instead of two per event. A chunk is
// freed by the garbage collector once no event in it is referenced.
type alloc struct {
	text []byte         // free space for event bytes
	evs  []decode.Event // free event structs
}

// A chunk stays alive while any event carved from it is, so its size is
// what one retained event may pin: small chunks keep the read-ahead's
// memory near the events really in flight (E3: replay -o pretty, 32 MB).
const (
	textChunk  = 64 << 10
	eventChunk = 64
)

// bytes returns a copy of b in owned memory.
func (a *alloc) bytes(b []byte) []byte {
	dst := a.begin()
	return a.commit(append(dst, b...))
}

// begin returns an empty slice to append one event's bytes to; commit
// then takes what was appended. If the appends outgrow the chunk, append
// moves them to fresh memory of their own, which is just as fine.
func (a *alloc) begin() []byte {
	if cap(a.text) < 4<<10 {
		a.text = make([]byte, 0, textChunk)
	}
	return a.text[:0:cap(a.text)]
}

// commit returns b capped at its length, so that nobody appending to an
// event's bytes can overwrite the next event.
func (a *alloc) commit(b []byte) []byte {
	if len(b) > 0 && cap(b) == cap(a.text) && &b[:1][0] == &a.text[:1][0] {
		// Still inside the chunk: the rest of it stays free.
		a.text = a.text[len(b):len(b)]
	}
	return b[:len(b):len(b)]
}

func (a *alloc) event() *decode.Event {
	if len(a.evs) == 0 {
		a.evs = make([]decode.Event, eventChunk)
	}
	ev := &a.evs[0]
	a.evs = a.evs[1:]
	return ev
}

// copyEvent makes an event of a scanned message, its bytes copied here.
func (a *alloc) copyEvent(m *decode.Message, label string) *decode.Event {
	cp := m.MovedTo(a.bytes(m.Raw))
	ev := a.event()
	*ev = *decode.NewEvent(&cp, label)
	return ev
}
