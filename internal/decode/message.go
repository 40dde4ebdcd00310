package decode

import (
	"bytes"
	"strconv"
)

// MsgKind says what a QMP message is.
type MsgKind uint8

// The kinds of QMP message a monitor sends.
const (
	MsgOther    MsgKind = iota // a JSON object that is none of the below
	MsgGreeting                // {"QMP": {...}}
	MsgReturn                  // {"return": ..., "id": ...}
	MsgError                   // {"error": {"class", "desc"}, "id": ...}
	MsgEvent                   // {"event": NAME, "data": ..., "timestamp": ...}
)

// Message is one QMP message, scanned for its top-level members without
// decoding the payload: an event's data stays raw until someone needs it.
type Message struct {
	Kind MsgKind
	Raw  []byte // the whole message as received

	ID []byte // raw JSON of "id", nil when absent

	Event   string // MsgEvent: the event name
	Seconds int64  // MsgEvent: timestamp seconds (-1 when QEMU had no clock)
	Micros  int64  // MsgEvent: timestamp microseconds
	HasTime bool   // a timestamp member was present
	Data    []byte // MsgEvent: raw JSON of "data", nil when absent
	VM      string // a "vm" member (qmpwatch's own json lines)
	HasVM   bool
	Host    string // a "host" member (a fleet message: docs/fleet.md)
	// HasCause: a top-level "cause" member is present (an --annotate line).
	HasCause bool

	vmSpans [][2]int // where each top-level "vm" member lies in Raw, for WithoutVM
	// hostSpans: the same for "host", for WithVMHost.
	hostSpans [][2]int
	hasHost   bool // a "host" member that is a string
	// The object members and array items within Data, for Event.Data to
	// allocate its tree at once.
	dataMembers, dataItems int

	Return   []byte // MsgReturn: raw JSON of "return"
	ErrClass string // MsgError
	ErrDesc  string // MsgError
	QMP      []byte // MsgGreeting: raw JSON of "QMP"
}

// ScanMessage checks that raw is exactly one well-formed JSON object and picks
// out the members that say what kind of QMP message it is.
func ScanMessage(raw []byte) (Message, error) { return scanMessageAt(raw, false) }

// scanPrefix is ScanMessage of the message b starts with (no whitespace
// before it), whatever follows it: the Message (its Raw the message alone)
// and its length, or false when b does not start with a whole valid one.
func scanPrefix(b []byte) (Message, int, bool) {
	m, err := scanMessageAt(b, true)
	return m, len(m.Raw), err == nil
}

// scanMessageAt scans the message at the start of raw: exactly raw, or
// with prefix, as much of raw as the message takes (m.Raw then ends with
// it).
func scanMessageAt(raw []byte, prefix bool) (m Message, err error) {
	m = Message{Raw: raw}
	p := parser{b: raw}
	// The end of the message: the whole input, or where the object closed.
	end := func() error {
		if prefix {
			m.Raw = raw[:p.i]
			return nil
		}
		return p.end()
	}
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != '{' {
		if err := p.skip(0); err != nil {
			return m, err
		}
		return m, errNotObject
	}
	p.i++
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		err = end() // first: it cuts m.Raw
		return m, err
	}
	for {
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return m, p.errf("want a member name, got %s", p.what())
		}
		keyStart := p.i
		key, err := p.key()
		if err != nil {
			return m, err
		}
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return m, p.errf("want ':' after member name, got %s", p.what())
		}
		p.i++
		p.ws()
		start, nm, ni := p.i, p.nMembers, p.nItems
		if err := m.member(&p, key); err != nil {
			return m, err
		}
		if key == "data" {
			m.dataMembers, m.dataItems = p.nMembers-nm, p.nItems-ni
		}
		if m.Kind == MsgOther || key == "id" || key == "data" || key == "return" || key == "QMP" {
			m.set(key, raw[start:p.i])
		}
		switch key {
		case "vm":
			m.vmSpans = append(m.vmSpans, [2]int{keyStart, p.i})
		case "host":
			m.hostSpans = append(m.hostSpans, [2]int{keyStart, p.i})
		case "cause":
			m.HasCause = true
		}
		p.ws()
		if p.i >= len(p.b) {
			return m, p.errf("unexpected end of input in an object")
		}
		if p.b[p.i] == '}' {
			p.i++
			err = end()
			return m, err
		}
		if p.b[p.i] != ',' {
			return m, p.errf("want ',' or '}' in an object, got %s", p.what())
		}
		p.i++
	}
}

func (p *parser) end() error {
	p.ws()
	if p.i != len(p.b) {
		return p.errf("unexpected %s after the message", p.what())
	}
	return nil
}

// member consumes the value of one top-level member, decoding it only when
// it is one of the few that classify the message.
func (m *Message) member(p *parser, key string) error {
	switch key {
	case "event", "vm", "host":
		if p.i < len(p.b) && p.b[p.i] == '"' {
			s, err := p.internedStr()
			switch key {
			case "event":
				m.Event, m.Kind = s, MsgEvent
			case "vm":
				m.VM, m.HasVM = s, true
			default:
				m.Host, m.hasHost = s, true
			}
			return err
		}
	case "timestamp":
		// Every event has one: read it from the validated bytes without
		// building a Value (this is the hot path of a big replay).
		start := p.i
		if err := p.skip(1); err != nil {
			return err
		}
		m.Seconds, m.Micros, m.HasTime = scanStamp(p.b[start:p.i])
		return nil
	case "error":
		v, err := p.value(1)
		if err != nil {
			return err
		}
		if m.Kind != MsgEvent {
			m.Kind = MsgError
		}
		m.ErrClass, m.ErrDesc = v.Str("class"), v.Str("desc")
		return nil
	case "return":
		if m.Kind != MsgEvent {
			m.Kind = MsgReturn
		}
	case "QMP":
		if m.Kind == MsgOther {
			m.Kind = MsgGreeting
		}
	}
	return p.skip(1)
}

func (m *Message) set(key string, raw []byte) {
	switch key {
	case "id":
		m.ID = raw
	case "data":
		m.Data = raw
	case "return":
		m.Return = raw
	case "QMP":
		m.QMP = raw
	}
}

// IDIs reports whether the message's id equals the integer n.
func (m *Message) IDIs(n int) bool {
	return bytes.Equal(m.ID, strconv.AppendInt(nil, int64(n), 10))
}

// scanStamp reads {"seconds": S, "microseconds": U} from already validated
// JSON; ok is false unless both are integers.
func scanStamp(b []byte) (sec, us int64, ok bool) {
	p := parser{b: b}
	if len(b) == 0 || b[0] != '{' {
		return 0, 0, false
	}
	p.i++
	var okS, okU bool
	for p.i < len(b) {
		p.ws()
		if p.i >= len(b) || b[p.i] != '"' {
			break
		}
		ks := p.i
		if p.skipStr() != nil {
			break
		}
		key := b[ks+1 : p.i-1]
		p.ws()
		p.i++ // ':'
		p.ws()
		vs := p.i
		if p.skip(2) != nil {
			break
		}
		val := b[vs:p.i]
		switch string(key) {
		case "seconds":
			sec, okS = atoi64(val)
		case "microseconds":
			us, okU = atoi64(val)
		}
		p.ws()
		if p.i < len(b) && b[p.i] == ',' {
			p.i++
		}
	}
	if !okS || !okU {
		return 0, 0, false
	}
	return sec, us, true
}

// atoi64 parses a JSON integer without a string conversion; ok is false for
// anything else (fractions, exponents, overflow).
func atoi64(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		if n, err := strconv.ParseInt(string(b), 10, 64); err == nil {
			if neg {
				n = -n
			}
			return n, true
		}
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// MovedTo returns the message as if it had been scanned from raw, a copy
// of m.Raw: Data, a slice of Raw, points at the same place in raw. Readers
// whose buffer is reused (a socket's framer, a log's read buffer) keep an
// event this way.
func (m Message) MovedTo(raw []byte) Message {
	if m.Data != nil {
		// Data ends where Raw's capacity says: the same offset in raw.
		off := cap(m.Raw) - cap(m.Data)
		m.Data = raw[off : off+len(m.Data)]
	}
	m.Raw = raw
	return m
}
