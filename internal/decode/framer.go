package decode

import (
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
}

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
	for {
		for f.head < f.tail && isSpace(f.buf[f.head]) {
			f.head++
		}
		if f.head < f.tail {
			break
		}
		if err := f.fill(max); err != nil {
			return nil, err
		}
	}
	if f.buf[f.head] != '{' {
		return nil, f.garbage()
	}
	depth, inStr, esc := 0, false, false
	i := f.head
	for {
		for ; i < f.tail; i++ {
			c := f.buf[i]
			if inStr {
				switch {
				case esc:
					esc = false
				case c == '\\':
					esc = true
				case c == '"':
					inStr = false
				}
				continue
			}
			switch c {
			case '"':
				inStr = true
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					msg := f.buf[f.head : i+1]
					f.head = i + 1
					return msg, nil
				}
			}
		}
		if f.tail-f.head >= max {
			return nil, &TooLargeError{Limit: max}
		}
		off := i - f.head
		if err := f.fill(max); err != nil {
			if err == io.EOF {
				return nil, ErrTruncated
			}
			return nil, err
		}
		i = f.head + off
	}
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
