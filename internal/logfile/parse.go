package logfile

import (
	"bytes"
	"errors"
	"strconv"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

var (
	errUnknown  = errors.New("not a QMP event, a qmpwatch json line or virsh qemu-monitor-event output")
	errNotEvent = errors.New("a JSON object that is not a QMP message")
)

// parse turns one line into an event. It returns nil and no error for lines
// that are fine but hold no event: blank lines, greetings, replies, commands.
func (r *Reader) parse(line []byte) (*decode.Event, error) {
	line = bytes.TrimSpace(line)
	switch {
	case len(line) == 0:
		return nil, nil
	case line[0] == '{':
		return r.parseJSON(line)
	case bytes.HasPrefix(line, []byte("event ")):
		return r.parseVirsh(line)
	case len(line) > len(virshTimeLayout) && line[4] == '-' && line[10] == ' ':
		return r.parseVirshStamped(line)
	}
	return nil, errUnknown
}

// parseJSON handles qmpwatch json lines and raw transcript lines. The line
// is scanned where it lies and copied only when it is an event.
func (r *Reader) parseJSON(line []byte) (*decode.Event, error) {
	m, err := decode.ScanMessage(line)
	return r.scanned(line, &m, err)
}

// scanned finishes parseJSON once the line is scanned (here, or ahead by a
// worker: ahead.go).
func (r *Reader) scanned(line []byte, m *decode.Message, err error) (*decode.Event, error) {
	if err != nil {
		return nil, err
	}
	switch m.Kind {
	case decode.MsgEvent:
		return r.event(m), nil
	case decode.MsgGreeting:
		if v, ok := greetingVersion(m.QMP); ok {
			r.version = v
		}
	case decode.MsgOther:
		// A command a client sent, kept in some transcripts.
		if !bytes.Contains(line, []byte(`"execute"`)) && !bytes.Contains(line, []byte(`"exec-oob"`)) {
			return nil, errNotEvent
		}
		return nil, nil
	}
	if r.o.OnMessage != nil {
		r.o.OnMessage(m)
	}
	return nil, nil
}

// event copies a scanned event out of the read buffer into memory it owns.
func (r *Reader) event(m *decode.Message) *decode.Event {
	return r.alloc.copyEvent(m, r.o.Label)
}

// greetingVersion reads QMP.version.qemu from a greeting.
func greetingVersion(qmp []byte) (decode.Version, bool) {
	v, err := decode.Parse(qmp)
	if err != nil {
		return decode.Version{}, false
	}
	q, ok := v.Path("version", "qemu")
	if !ok {
		return decode.Version{}, false
	}
	var n [3]int64
	for i, k := range []string{"major", "minor", "micro"} {
		f, _ := q.Get(k)
		n[i], _ = f.Int64()
	}
	return decode.Version{Major: int(n[0]), Minor: int(n[1]), Micro: int(n[2])}, true
}

// virsh qemu-monitor-event --loop prints (libvirt's virsh-domain-event.c):
//
//	event NAME at SECONDS.MICROS for domain 'DOM': DATA
//
// older libvirt without the quotes, and with --timestamp:
//
//	YYYY-MM-DD HH:MM:SS.mmm+0000: event NAME for domain 'DOM': DATA
//
// where DATA is compact JSON or <null>.
const virshTimeLayout = "2006-01-02 15:04:05.000-0700"

var (
	errVirsh     = errors.New("looks like virsh qemu-monitor-event output but is not: want \"event NAME at SECONDS.MICROS for domain 'DOM': DATA\"")
	errVirshTime = errors.New("looks like virsh qemu-monitor-event --timestamp output but is not: want \"YYYY-MM-DD HH:MM:SS.mmm+0000: event NAME for domain 'DOM': DATA\"")
)

func (r *Reader) parseVirsh(line []byte) (*decode.Event, error) {
	rest := line[len("event "):]
	name, rest, ok := bytes.Cut(rest, []byte(" at "))
	if !ok {
		return nil, errVirsh
	}
	stamp, rest, ok := bytes.Cut(rest, []byte(" for domain "))
	if !ok {
		return nil, errVirsh
	}
	secs, us, ok := bytes.Cut(stamp, []byte("."))
	if !ok {
		return nil, errVirsh
	}
	s, err1 := strconv.ParseInt(string(secs), 10, 64)
	u, err2 := strconv.ParseInt(string(us), 10, 64)
	if err1 != nil || err2 != nil {
		return nil, errVirsh
	}
	return r.virshEvent(name, s, u, rest, errVirsh)
}

func (r *Reader) parseVirshStamped(line []byte) (*decode.Event, error) {
	n := len(virshTimeLayout)
	if !bytes.HasPrefix(line[n:], []byte(": event ")) {
		return nil, errUnknown
	}
	t, err := time.Parse(virshTimeLayout, string(line[:n]))
	if err != nil {
		return nil, errVirshTime
	}
	rest := line[n+len(": event "):]
	name, rest, ok := bytes.Cut(rest, []byte(" for domain "))
	if !ok {
		return nil, errVirshTime
	}
	return r.virshEvent(name, t.Unix(), int64(t.Nanosecond()/1000), rest, errVirshTime)
}

// virshEvent reads "'DOM': DATA" (or "DOM: DATA") and builds the QMP event
// object QEMU sent, plus the domain as "vm", so that every output format
// treats it like any other event.
func (r *Reader) virshEvent(name []byte, sec, usec int64, rest []byte, bad error) (*decode.Event, error) {
	if len(name) == 0 || bytes.ContainsAny(name, " \t\"\\") {
		return nil, bad
	}
	var dom, data []byte
	if len(rest) > 0 && rest[0] == '\'' {
		i := bytes.Index(rest[1:], []byte("': "))
		if i < 0 {
			return nil, bad
		}
		dom, data = rest[1:1+i], rest[1+i+3:]
	} else {
		i := bytes.Index(rest, []byte(": "))
		if i < 0 {
			return nil, bad
		}
		dom, data = rest[:i], rest[i+2:]
	}
	if bytes.Equal(data, []byte("<null>")) {
		data = nil
	} else if _, err := decode.ScanMessage(data); err != nil {
		// QEMU's event data is always one JSON object.
		return nil, bad
	}
	b := r.alloc.begin()
	b = append(b, `{"timestamp":{"seconds":`...)
	b = strconv.AppendInt(b, sec, 10)
	b = append(b, `,"microseconds":`...)
	b = strconv.AppendInt(b, usec, 10)
	b = append(b, `},"event":`...)
	b = decode.AppendQuote(b, string(name))
	if data != nil {
		b = append(b, `,"data":`...)
		b = decode.AppendCompact(b, data)
	}
	if len(dom) > 0 {
		// An empty domain name leaves the event to the input's label.
		b = append(b, `,"vm":`...)
		b = decode.AppendQuote(b, string(dom))
	}
	b = append(b, '}')
	b = r.alloc.commit(b)
	m, err := decode.ScanMessage(b)
	if err != nil || m.Kind != decode.MsgEvent {
		return nil, bad
	}
	ev := r.alloc.event()
	*ev = *decode.NewEvent(&m, r.o.Label)
	return ev, nil
}
