package proxy

import "errors"

// errTooLarge ends a client whose one message outgrows the limit: memory
// stays bounded whatever a client sends.
var errTooLarge = errors.New("message too large")

// splitter cuts a client's byte stream into top-level JSON values the way
// QEMU's JSON streamer does: by counting brackets outside strings, without
// needing newlines, so that several commands on one line, or one command
// over many, work as they do on QEMU's own socket. It does not validate:
// a value it hands out may be malformed JSON, which the caller answers
// with QEMU's parse error, and then the stream goes on (QEMU recovers the
// same way). A byte that cannot start a value at the top level (a stray
// '}') is a value of its own, so it is answered and skipped.
type splitter struct {
	buf    []byte
	head   int  // where the next value starts in buf
	scan   int  // how far buf has been scanned (an index into buf)
	depth  int  // brackets open at scan
	inStr  bool // scan is inside a string
	esc    bool // the previous byte was a backslash inside a string
	scalar bool // the value is a bare scalar (1, true, or junk)
	max    int  // the largest value accepted
}

// feed appends bytes read from the client.
func (s *splitter) feed(p []byte) {
	if s.head > 0 && s.head == len(s.buf) {
		s.buf, s.scan, s.head = s.buf[:0], 0, 0
	} else if s.head > len(s.buf)/2 {
		// Most of the buffer is handed out: move the rest down.
		n := copy(s.buf, s.buf[s.head:])
		s.buf, s.scan, s.head = s.buf[:n], s.scan-s.head, 0
	}
	s.buf = append(s.buf, p...)
}

// next returns the next complete value (a copy), or nil when more bytes
// are needed. It fails with errTooLarge once the value being read is past
// max.
func (s *splitter) next() ([]byte, error) {
	if s.depth == 0 && !s.inStr && !s.scalar {
		// Skip the whitespace before a value.
		for s.head < len(s.buf) && isSpace(s.buf[s.head]) {
			s.head++
		}
		s.scan = s.head
	}
	for ; s.scan < len(s.buf); s.scan++ {
		if s.scan-s.head >= s.max {
			return nil, errTooLarge
		}
		c := s.buf[s.scan]
		switch {
		case s.inStr:
			switch {
			case s.esc:
				s.esc = false
			case c == '\\':
				s.esc = true
			case c == '"':
				s.inStr = false
				if s.depth == 0 {
					return s.cut(s.scan + 1), nil
				}
			}
		case s.scalar:
			if isSpace(c) || c == '"' || c == '{' || c == '[' || c == '}' || c == ']' {
				return s.cut(s.scan), nil // the byte starts the next value
			}
		case c == '"':
			s.inStr = true
		case c == '{' || c == '[':
			s.depth++
		case c == '}' || c == ']':
			if s.depth == 0 {
				return s.cut(s.scan + 1), nil // a stray closer: a value of its own
			}
			s.depth--
			if s.depth == 0 {
				return s.cut(s.scan + 1), nil
			}
		case s.depth == 0:
			s.scalar = true
		}
	}
	return nil, nil
}

// cut hands out buf[head:end] and starts the next value after it.
func (s *splitter) cut(end int) []byte {
	v := append([]byte(nil), s.buf[s.head:end]...)
	s.head, s.scan = end, end
	s.depth, s.inStr, s.esc, s.scalar = 0, false, false, false
	return v
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }
