package decode

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxMessage bounds one message so that a runaway peer cannot make us
// buffer without end. QEMU's biggest reply, query-qmp-schema, is about 200 KB.
const DefaultMaxMessage = 64 << 20

// ErrTruncated means the stream ended inside a message.
var ErrTruncated = errors.New("stream ended inside a message")

// GarbageError means the stream held bytes that do not start a JSON object.
type GarbageError struct {
	Text []byte // the start of the unexpected input, for diagnosis (HMP banners)
}

func (e *GarbageError) Error() string {
	return fmt.Sprintf("not a QMP message: %q", e.Text)
}

// TooLargeError means one message exceeded the limit.
type TooLargeError struct{ Limit int }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("message larger than %d bytes", e.Limit)
}

// Framer splits a byte stream into top-level JSON objects. It does not rely on
// newlines and has no line-length limit: it tracks nesting and strings, so a
// message may arrive in any number of reads and be of any size up to Max.
type Framer struct {
	r    io.Reader
	buf  []byte
	head int // start of unconsumed data in buf
	tail int // end of data in buf
	Max  int // largest message accepted; DefaultMaxMessage when zero

	// Where the scan of the message at head stands, kept between calls so
	// that Ready's scan is not repeated by Next, and a message arriving
	// over many reads is not scanned from its start after each one.
	off   int  // bytes of the message at head already scanned
	depth int  // open brackets
	inStr bool // inside a string
	esc   bool // after a backslash in a string
	whole bool // the message at head ends at head+off

	// peeked is the message at head, scanned whole by Ready (ok when set):
	// NextMessage returns it without a second look.
	peeked   Message
	peekedOK bool
}

// MessageError is a framed message that is not a valid QMP message (bad
// JSON inside balanced brackets, or not an object): NextMessage's
// ScanMessage error, with the bytes, valid until the next call.
type MessageError struct {
	Raw []byte
	Err error
}

func (e *MessageError) Error() string { return e.Err.Error() }
func (e *MessageError) Unwrap() error { return e.Err }

// NewFramer returns a Framer reading from r.
func NewFramer(r io.Reader) *Framer {
	return &Framer{r: r, buf: make([]byte, 64<<10)}
}

// Next returns the next message's bytes. The slice is valid until the next
// call. It returns io.EOF at a clean end between messages, ErrTruncated when
// the stream ends inside one, and a *GarbageError for non-JSON input.
func (f *Framer) Next() ([]byte, error) {
	max := f.Max
	if max == 0 {
		max = DefaultMaxMessage
	}
	// Skip whitespace between messages (QEMU ends each with CRLF).
	for !f.start() {
		if err := f.fill(max); err != nil {
			return nil, err
		}
	}
	if f.buf[f.head] != '{' {
		return nil, f.garbage()
	}
	if f.peekedOK {
		f.off, f.whole = len(f.peeked.Raw), true
	}
	for !f.scan() {
		if f.tail-f.head >= max {
			return nil, &TooLargeError{Limit: max}
		}
		if err := f.fill(max); err != nil {
			if err == io.EOF {
				return nil, ErrTruncated
			}
			return nil, err
		}
	}
	msg := f.buf[f.head : f.head+f.off]
	f.consume()
	return msg, nil
}

// consume moves head past the message at head, whose length is off.
func (f *Framer) consume() {
	f.head += f.off
	f.off, f.depth, f.inStr, f.esc, f.whole = 0, 0, false, false, false
	f.peeked, f.peekedOK = Message{}, false
}

// NextMessage is Next and ScanMessage in one: the next message, scanned,
// its Raw valid until the next call. A message whole in the buffer is
// scanned once, where Next then ScanMessage read it twice (once for its
// brackets, once to validate it): the live client's hot path. A framed
// message that ScanMessage refuses is a *MessageError; the stream's own
// errors are Next's.
func (f *Framer) NextMessage() (Message, error) {
	if !f.peekedOK && f.start() && f.off == 0 && f.buf[f.head] == '{' {
		f.peek()
	}
	if f.peekedOK {
		m := f.peeked
		f.off = len(m.Raw)
		f.consume()
		return m, nil
	}
	raw, err := f.Next()
	if err != nil {
		return Message{}, err
	}
	m, err := ScanMessage(raw)
	if err != nil {
		return m, &MessageError{Raw: raw, Err: err}
	}
	return m, nil
}

// peek scans the message at head when it is whole and valid in the buffer
// (the usual case), keeping it for NextMessage. Anything else (a message
// still arriving, or one ScanMessage refuses) is left to the framing scan.
func (f *Framer) peek() {
	if m, _, ok := scanPrefix(f.buf[f.head:f.tail]); ok {
		f.peeked, f.peekedOK = m, true
	}
}

// Ready reports whether Next can return without reading: a whole message,
// or the garbage Next would report, is already buffered. It reads nothing.
// A batching reader asks it before waiting on the stream.
func (f *Framer) Ready() bool {
	if f.peekedOK {
		return true
	}
	if !f.start() {
		return false
	}
	if f.buf[f.head] != '{' {
		return true
	}
	if f.off == 0 {
		if f.peek(); f.peekedOK {
			return true
		}
	}
	return f.scan()
}

// start skips the whitespace between messages in what is buffered, and
// reports whether anything else is.
func (f *Framer) start() bool {
	if f.off == 0 {
		for f.head < f.tail && isSpace(f.buf[f.head]) {
			f.head++
		}
	}
	return f.head < f.tail
}

// scan carries on through the message at head, in what is buffered, and
// reports whether it ends there. Inside strings it jumps to the next quote
// or backslash, where most of a message's bytes are.
func (f *Framer) scan() bool {
	if f.whole {
		return true
	}
	b := f.buf[f.head:f.tail]
	i, depth, inStr, esc := f.off, f.depth, f.inStr, f.esc
	for i < len(b) {
		if inStr {
			if esc {
				esc = false
				i++
				continue
			}
			j := bytes.IndexByte(b[i:], '"')
			seg := b[i:]
			if j >= 0 {
				seg = seg[:j]
			}
			if k := bytes.IndexByte(seg, '\\'); k >= 0 {
				i, esc = i+k+1, true
				continue
			}
			if j < 0 {
				i = len(b)
				break
			}
			i, inStr = i+j+1, false
			continue
		}
		switch b[i] {
		case '"':
			inStr = true
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				f.off, f.depth, f.inStr, f.esc, f.whole = i+1, 0, false, false, true
				return true
			}
		}
		i++
	}
	f.off, f.depth, f.inStr, f.esc = i, depth, inStr, esc
	return false
}

// Buffered returns the unconsumed bytes already read (for diagnostics).
func (f *Framer) Buffered() []byte { return f.buf[f.head:f.tail] }

// fill reads more data, first moving unconsumed bytes to the front and
// growing the buffer when a message does not fit.
func (f *Framer) fill(max int) error {
	if f.head > 0 {
		n := copy(f.buf, f.buf[f.head:f.tail])
		f.head, f.tail = 0, n
	}
	if f.tail == len(f.buf) {
		size := 2 * len(f.buf)
		if size > max+1 {
			size = max + 1
		}
		nb := make([]byte, size)
		copy(nb, f.buf[:f.tail])
		f.buf = nb
	}
	for {
		n, err := f.r.Read(f.buf[f.tail:])
		f.tail += n
		if n > 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// garbage collects the unexpected bytes (up to a line, or what arrives
// shortly) so the caller can say what the peer is, e.g. an HMP banner.
func (f *Framer) garbage() error {
	end := f.head
	for end < f.tail && f.buf[end] != '\n' && end-f.head < 200 {
		end++
	}
	return &GarbageError{Text: append([]byte(nil), f.buf[f.head:end]...)}
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }
