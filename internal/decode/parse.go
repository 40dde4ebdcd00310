package decode

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// SyntaxError reports malformed JSON and where it went wrong.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.Msg)
}

// maxDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxDepth = 512

// Parse decodes exactly one JSON value (surrounding whitespace allowed).
func Parse(b []byte) (Value, error) { return parse(b, false) }

// parseOwned is Parse for bytes that stay unchanged as long as the result
// is used (an event's own Raw): its strings share b's memory. When the
// number of object members and array items in b is known (ScanMessage
// counts them), each kind is allocated once for the whole tree.
func parseOwned(b []byte, members, items int) (Value, error) {
	p := parser{b: b, owned: true}
	if members > 0 {
		p.mslab = make([]Member, members)
	}
	if items > 0 {
		p.islab = make([]Value, items)
	}
	return p.parse()
}

func parse(b []byte, owned bool) (Value, error) {
	p := parser{b: b, owned: owned}
	return p.parse()
}

// scratch is a parser's pair of stacks, reused across parses: building a
// tree then allocates only the tree.
type scratch struct {
	members []Member
	items   []Value
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// maxKeptScratch: stacks that grew past this many entries (a huge reply)
// are left to the collector rather than kept.
const maxKeptScratch = 1024

func (p *parser) parse() (Value, error) {
	sc := scratchPool.Get().(*scratch)
	p.members, p.items = sc.members[:0], sc.items[:0]
	defer func() {
		if cap(p.members) > maxKeptScratch || cap(p.items) > maxKeptScratch {
			return
		}
		// Cleared, so that a kept stack holds no event's strings alive.
		clear(p.members[:cap(p.members)])
		clear(p.items[:cap(p.items)])
		sc.members, sc.items = p.members[:0], p.items[:0]
		scratchPool.Put(sc)
	}()
	p.ws()
	v, err := p.value(0)
	if err != nil {
		return Value{}, err
	}
	p.ws()
	if p.i != len(p.b) {
		return Value{}, p.errf("unexpected %s after the value", p.what())
	}
	return v, nil
}

type parser struct {
	b []byte
	i int

	// owned says b is never modified while the result lives: strings
	// without escapes may then point into it instead of being copied.
	owned bool
	// Scratch stacks for members and items of the objects and arrays being
	// built: each gets one exact-size slice when it closes, not a series
	// of growing ones.
	members []Member
	items   []Value
	// Preallocated room for those slices, when their total is known:
	// each closing object or array takes its part from the front.
	mslab []Member
	islab []Value
	// Counts of the members and items skip has stepped over, which
	// ScanMessage keeps for the data.
	nMembers, nItems int
}

// closeMembers is the exact-size slice of the members an object collected
// on the scratch stack from base.
func (p *parser) closeMembers(base int) []Member {
	src := p.members[base:]
	n := len(src)
	if n <= len(p.mslab) {
		dst := p.mslab[:n:n] // capped: an append by a user cannot reach the next
		p.mslab = p.mslab[n:]
		copy(dst, src)
		return dst
	}
	return append([]Member(nil), src...)
}

// closeItems is closeMembers for an array's items.
func (p *parser) closeItems(base int) []Value {
	src := p.items[base:]
	n := len(src)
	if n <= len(p.islab) {
		dst := p.islab[:n:n]
		p.islab = p.islab[n:]
		copy(dst, src)
		return dst
	}
	return append([]Value(nil), src...)
}

func (p *parser) errf(format string, args ...any) error {
	return &SyntaxError{Offset: p.i, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) what() string {
	if p.i >= len(p.b) {
		return "end of input"
	}
	return strconv.QuoteRune(rune(p.b[p.i]))
}

func (p *parser) ws() {
	// Most calls find no space at all (QEMU puts one only after ':' and
	// ','): settle those with one comparison.
	if p.i < len(p.b) && p.b[p.i] > ' ' {
		return
	}
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (Value, error) {
	if depth > maxDepth {
		return Value{}, p.errf("nested deeper than %d", maxDepth)
	}
	if p.i >= len(p.b) {
		return Value{}, p.errf("unexpected end of input")
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, err := p.str()
		return Value{Kind: String, Text: s}, err
	case c == '-' || (c >= '0' && c <= '9'):
		lit, err := p.number()
		return Value{Kind: Number, Text: lit}, err
	case c == 't':
		return Value{Kind: Bool, True: true}, p.lit("true")
	case c == 'f':
		return Value{Kind: Bool}, p.lit("false")
	case c == 'n':
		return Value{}, p.lit("null")
	}
	return Value{}, p.errf("unexpected %s", p.what())
}

func (p *parser) lit(word string) error {
	if len(p.b)-p.i < len(word) || string(p.b[p.i:p.i+len(word)]) != word {
		return p.errf("unexpected %s", p.what())
	}
	p.i += len(word)
	return nil
}

func (p *parser) object(depth int) (Value, error) {
	p.i++ // {
	v := Value{Kind: Object}
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return v, nil
	}
	base := len(p.members)
	defer func() { p.members = p.members[:base] }()
	for {
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return v, p.errf("want a member name, got %s", p.what())
		}
		k, err := p.str()
		if err != nil {
			return v, err
		}
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return v, p.errf("want ':' after member name, got %s", p.what())
		}
		p.i++
		p.ws()
		m, err := p.value(depth + 1)
		if err != nil {
			return v, err
		}
		p.members = append(p.members, Member{Key: k, Value: m})
		p.ws()
		if p.i >= len(p.b) {
			return v, p.errf("unexpected end of input in an object")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			v.Members = p.closeMembers(base)
			return v, nil
		default:
			return v, p.errf("want ',' or '}' in an object, got %s", p.what())
		}
	}
}

func (p *parser) array(depth int) (Value, error) {
	p.i++ // [
	v := Value{Kind: Array}
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		v.Items = []Value{}
		return v, nil
	}
	base := len(p.items)
	defer func() { p.items = p.items[:base] }()
	for {
		p.ws()
		it, err := p.value(depth + 1)
		if err != nil {
			return v, err
		}
		p.items = append(p.items, it)
		p.ws()
		if p.i >= len(p.b) {
			return v, p.errf("unexpected end of input in an array")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			v.Items = p.closeItems(base)
			return v, nil
		default:
			return v, p.errf("want ',' or ']' in an array, got %s", p.what())
		}
	}
}

// number scans a JSON number and returns its literal text.
func (p *parser) number() (string, error) {
	start := p.i
	if err := p.scanNumber(); err != nil {
		return "", err
	}
	if p.owned {
		return unsafe.String(&p.b[start], p.i-start), nil // as str does
	}
	return string(p.b[start:p.i]), nil
}

// scanNumber steps over a JSON number without keeping it.
func (p *parser) scanNumber() error {
	if p.b[p.i] == '-' {
		p.i++
	}
	if p.i >= len(p.b) {
		return p.errf("unexpected end of input in a number")
	}
	if p.b[p.i] == '0' {
		p.i++
	} else if !p.digits() {
		return p.errf("want a digit, got %s", p.what())
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if !p.digits() {
			return p.errf("want a digit after '.', got %s", p.what())
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if !p.digits() {
			return p.errf("want a digit in the exponent, got %s", p.what())
		}
	}
	return nil
}

func (p *parser) digits() bool {
	start := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	return p.i > start
}

// str scans a JSON string and returns it unescaped. The common case, no
// escapes, costs one scan and one allocation.
func (p *parser) str() (string, error) {
	p.i++ // opening quote
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c == '"' {
			var s string
			if p.owned && p.i > start {
				s = unsafe.String(&p.b[start], p.i-start)
			} else {
				s = string(p.b[start:p.i])
			}
			p.i++
			return s, nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return p.strSlow(start)
		}
		p.i++
	}
	return "", p.errf("unterminated string")
}

func (p *parser) strSlow(start int) (string, error) {
	out := append([]byte(nil), p.b[start:p.i]...)
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return string(out), nil
		case c < 0x20:
			return "", p.errf("control character %#02x in a string", c)
		case c == '\\':
			p.i++
			if p.i >= len(p.b) {
				return "", p.errf("unterminated string")
			}
			e := p.b[p.i]
			p.i++
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, err := p.hex4()
				if err != nil {
					return "", err
				}
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if p.i+1 < len(p.b) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
						save := p.i
						p.i += 2
						if r2, err = p.hex4(); err != nil {
							return "", err
						}
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							r = dec
						} else {
							p.i = save
							r = utf8.RuneError
						}
					} else {
						r = utf8.RuneError
					}
				}
				out = utf8.AppendRune(out, r)
			default:
				return "", p.errf("invalid escape '\\%c'", e)
			}
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(p.b[p.i:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, p.b[p.i:p.i+size]...)
			}
			p.i += size
		default:
			out = append(out, c)
			p.i++
		}
	}
	return "", p.errf("unterminated string")
}

func (p *parser) hex4() (rune, error) {
	if len(p.b)-p.i < 4 {
		return 0, p.errf("short \\u escape")
	}
	var r rune
	for _, c := range p.b[p.i : p.i+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, p.errf("bad hex digit in \\u escape")
		}
	}
	p.i += 4
	return r, nil
}

// skip validates and steps over one value without building it.
func (p *parser) skip(depth int) error {
	if depth > maxDepth {
		return p.errf("nested deeper than %d", maxDepth)
	}
	if p.i >= len(p.b) {
		return p.errf("unexpected end of input")
	}
	switch c := p.b[p.i]; {
	case c == '{':
		p.i++
		p.ws()
		if p.i < len(p.b) && p.b[p.i] == '}' {
			p.i++
			return nil
		}
		for {
			p.ws()
			if p.i >= len(p.b) || p.b[p.i] != '"' {
				return p.errf("want a member name, got %s", p.what())
			}
			if err := p.skipStr(); err != nil {
				return err
			}
			p.ws()
			if p.i >= len(p.b) || p.b[p.i] != ':' {
				return p.errf("want ':' after member name, got %s", p.what())
			}
			p.i++
			p.ws()
			if err := p.skip(depth + 1); err != nil {
				return err
			}
			p.nMembers++
			p.ws()
			if p.i >= len(p.b) {
				return p.errf("unexpected end of input in an object")
			}
			if p.b[p.i] == '}' {
				p.i++
				return nil
			}
			if p.b[p.i] != ',' {
				return p.errf("want ',' or '}' in an object, got %s", p.what())
			}
			p.i++
		}
	case c == '[':
		p.i++
		p.ws()
		if p.i < len(p.b) && p.b[p.i] == ']' {
			p.i++
			return nil
		}
		for {
			p.ws()
			if err := p.skip(depth + 1); err != nil {
				return err
			}
			p.nItems++
			p.ws()
			if p.i >= len(p.b) {
				return p.errf("unexpected end of input in an array")
			}
			if p.b[p.i] == ']' {
				p.i++
				return nil
			}
			if p.b[p.i] != ',' {
				return p.errf("want ',' or ']' in an array, got %s", p.what())
			}
			p.i++
		}
	case c == '"':
		return p.skipStr()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.scanNumber()
	case c == 't':
		return p.lit("true")
	case c == 'f':
		return p.lit("false")
	case c == 'n':
		return p.lit("null")
	}
	return p.errf("unexpected %s", p.what())
}

func (p *parser) skipStr() error {
	b := p.b
	i := p.i + 1
	for {
		// Most string bytes need no attention: step over them four at a time.
		for i+4 <= len(b) && strPlain[b[i]] && strPlain[b[i+1]] && strPlain[b[i+2]] && strPlain[b[i+3]] {
			i += 4
		}
		for i < len(b) && strPlain[b[i]] {
			i++
		}
		if i >= len(b) {
			p.i = i
			return p.errf("unterminated string")
		}
		switch c := b[i]; {
		case c == '"':
			p.i = i + 1
			return nil
		case c == '\\':
			if i+1 >= len(b) {
				p.i = i
				return p.errf("unterminated string")
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				p.i = i + 2
				if _, err := p.hex4(); err != nil {
					return err
				}
				i = p.i
			default:
				p.i = i
				return p.errf("invalid escape '\\%c'", b[i+1])
			}
		default:
			p.i = i
			return p.errf("control character %#02x in a string", c)
		}
	}
}

// strPlain marks the bytes a string may hold as they are: all but the
// quote, the backslash and control characters.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// errNotObject is returned by ScanMessage for JSON that is not an object.
var errNotObject = errors.New("message is not a JSON object")
