package decode

import "github.com/qmpwatch/qmpwatch/internal/safe"

// Check is the result of validating one event against the schema.
type Check struct {
	Checked       bool      // a validator looked at the event
	Unknown       bool      // the schema does not know this event (a newer QEMU?)
	Problems      []Problem // violations: missing fields, wrong types, unknown enum values
	UnknownFields []string  // paths of members the schema does not know, e.g. "data.foo"
}

// Problem is one schema violation at a path inside the event.
type Problem struct {
	Path string // e.g. "data.guest"
	Msg  string // e.g. `want bool, got string "yes"`
}

// String is the problem as a warning line, escaped for a terminal: the path
// holds the event's own member names, the message may quote its values.
func (p Problem) String() string { return safe.String(p.Path + ": " + p.Msg) }
