package render

import "strings"

// Kind groups events by what they mean to a person watching a VM; each kind
// has its colour in pretty and table output.
type Kind uint8

// The event kinds.
const (
	KindPlain Kind = iota // everything else
	KindFault             // red: I/O errors, watchdog, panics, corruption
	KindState             // yellow: run-state changes (STOP, RESUME, SHUTDOWN ...)
	KindConn              // cyan: clients and peers connecting and leaving
	KindJob               // blue: block jobs and other background jobs
)

var kindNames = [...]string{"plain", "fault", "state", "conn", "job"}

// String returns the kind's name as templates see it in .Kind.
func (k Kind) String() string { return kindNames[k] }

// KindOf returns the kind of an event. Events qmpwatch does not know are
// classified by their name's prefix, so a future VNC_ or BLOCK_JOB_ event
// still gets its family's colour.
func KindOf(name string) Kind {
	if e, ok := catalog[name]; ok {
		return e.kind
	}
	switch {
	case strings.HasPrefix(name, "BLOCK_JOB_"), strings.HasPrefix(name, "JOB_"):
		return KindJob
	case strings.HasPrefix(name, "VNC_"), strings.HasPrefix(name, "SPICE_"), strings.HasPrefix(name, "NETDEV_"):
		return KindConn
	case strings.Contains(name, "ERROR"), strings.Contains(name, "FAIL"), strings.Contains(name, "CORRUPT"):
		return KindFault
	}
	return KindPlain
}
