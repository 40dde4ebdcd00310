package track

import (
	"strconv"

	"github.com/qmpwatch/qmpwatch/internal/safe"
)

// Bounds on what one VM may make the trackers hold. A VM has a few block
// jobs per disk and a few display clients; a guest, a client flood or a
// hostile monitor that announces jobs or sessions without end must not
// grow memory (or the work per event) without bound. Past a bound the new
// ones are not tracked until some end, as maxHalfOpen does for SPICE
// connections that never initialize, and the owner is told once (Full).
const (
	MaxOpen     = 256 // open block jobs, and open VNC and SPICE sessions, per VM
	MaxChannels = 64  // channels of one SPICE session (11 types, a few heads each)
)

// What reached a bound, for Full.What.
const (
	FullJobs     = "open block jobs"
	FullSessions = "open display sessions"
	FullChannels = "channels in one SPICE session"
)

// Full says that a VM reached one of the bounds above: the new ones are
// ignored from then on, until some end.
type Full struct {
	VM    string // the VM's label: untrusted, escape it before a terminal
	What  string // FullJobs, FullSessions or FullChannels
	Limit int
}

// String is the notice, for stderr: the VM's label is escaped.
func (f Full) String() string {
	return safe.String(f.VM) + ": " + strconv.Itoa(f.Limit) + " " + f.What + ", the most qmpwatch tracks per VM; more are ignored until some end"
}

// fullNotes tells the owner of a tracker once per VM and bound.
type fullNotes struct {
	fn   func(Full)
	said map[Full]bool
}

// OnFull sets who is told when a VM reaches a bound; nil tells nobody.
func (n *fullNotes) OnFull(fn func(Full)) { n.fn = fn }

func (n *fullNotes) say(vm, what string, limit int) {
	f := Full{VM: vm, What: what, Limit: limit}
	if n.fn == nil || n.said[f] {
		return
	}
	if n.said == nil {
		n.said = map[Full]bool{}
	}
	n.said[f] = true
	n.fn(f)
}

// forget lets a VM be told again (its stream ended: a new one starts
// afresh).
func (n *fullNotes) forget(vm string) {
	for f := range n.said {
		if f.VM == vm {
			delete(n.said, f)
		}
	}
}
