package render

import (
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// maxNotes bounds the notices remembered: a stream inventing new member
// names forever must not grow memory forever.
const maxNotes = 4096

// UnknownNotes tells on stderr, once per VM and event (and once more for
// each member or value not yet told), what an event carries that the catalog
// does not know, so a user on a newer QEMU can tell "qmpwatch does not know
// this" from "this is normal":
//
//	vm1: FOO: event not in the catalog, which knows QEMU up to 10.2; shown as sent
//
// Everything from the wire is escaped. It is safe for concurrent use.
type UnknownNotes struct {
	out    io.Writer
	newest string

	mu   sync.Mutex
	seen map[string]bool
	full bool
}

// NewUnknownNotes writes notices to out; newest is the newest QEMU release
// the catalog knows (decode.Builtin().Newest()).
func NewUnknownNotes(out io.Writer, newest decode.Version) *UnknownNotes {
	n := "an unknown release"
	if newest.Known() {
		n = strconv.Itoa(newest.Major) + "." + strconv.Itoa(newest.Minor)
	}
	return &UnknownNotes{out: out, newest: n, seen: map[string]bool{}}
}

// Note writes the notice for ev, if its Check is Marked and the VM was not
// yet told about the event (or about one of its unknown members or values).
func (n *UnknownNotes) Note(ev *decode.Event) {
	ck := &ev.Check // not a copy: this runs for every event shown
	if !ck.Marked() {
		return
	}
	var what []string
	if ck.Unknown {
		what = append(what, "")
	} else {
		what = append(what, ck.UnknownFields...)
		what = append(what, ck.UnknownValues...)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	var fresh []string
	for _, w := range what {
		key := ev.VM + "\x00" + ev.Name + "\x00" + w
		if n.seen[key] {
			continue
		}
		if len(n.seen) >= maxNotes {
			if !n.full {
				n.full = true
				_, _ = io.WriteString(n.out, "qmpwatch: too many unknown events and members; no further notices\n")
			}
			return
		}
		n.seen[key] = true
		fresh = append(fresh, w)
	}
	if len(fresh) == 0 {
		return
	}
	var b []byte
	if ev.VM != "" {
		b = AppendSafe(b, ev.VM)
		b = append(b, ": "...)
	}
	b = AppendSafe(b, ev.Name)
	b = append(b, ": "...)
	if ck.Unknown {
		b = append(b, "event"...)
	} else {
		for i, w := range fresh {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = AppendSafe(b, w)
			if isIn(ck.UnknownValues, w) {
				b = append(b, " value "...)
				b = appendValueAt(b, ev, w)
			}
		}
	}
	b = append(b, " not in the catalog, which knows QEMU up to "...)
	b = append(b, n.newest...)
	b = append(b, "; shown as sent\n"...)
	_, _ = n.out.Write(b)
}

func isIn(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// appendValueAt appends the (escaped, quoted) string at a "data.a.b" path
// of ev; paths through arrays are left out.
func appendValueAt(b []byte, ev *decode.Event, path string) []byte {
	v := ev.Data()
	parts := strings.Split(path, ".")
	if len(parts) < 2 || parts[0] != "data" {
		return b
	}
	for _, p := range parts[1:] {
		next, ok := v.Get(p)
		if !ok {
			return b
		}
		v = next
	}
	if v.Kind != decode.String {
		return b
	}
	b = append(b, '"')
	b = AppendSafe(b, v.Text)
	return append(b, '"')
}
