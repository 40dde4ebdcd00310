package decode

// Check is the result of validating one event against the schema.
type Check struct {
	Checked       bool      // a validator looked at the event
	Unknown       bool      // the schema does not know this event (a newer QEMU?)
	Problems      []Problem // violations: missing fields, wrong types, unknown enum values
	UnknownFields []string  // paths of members the schema does not know, e.g. "data.foo"

	// UnknownValues are paths of enum values the schema does not know,
	// accepted (not Problems) because the sender is Newer.
	UnknownValues []string
	// Newer: the sender's QEMU is newer than the newest release the catalog
	// knows, so what the catalog lacks is marked, not a violation.
	Newer bool
}

// Marked reports whether the event carries something the schema does not
// know: the event itself, a member or an enum value. Renderers mark it and
// the pipeline notes it; it is never a violation by itself.
func (c Check) Marked() bool {
	return c.Unknown || len(c.UnknownFields) > 0 || len(c.UnknownValues) > 0
}

// UnknownPath reports whether path ("data.a.b") is an unknown member or
// enum value of the event, or lies inside one.
func (c Check) UnknownPath(path string) bool {
	for _, list := range [][]string{c.UnknownFields, c.UnknownValues} {
		for _, p := range list {
			if path == p || (len(path) > len(p) && path[:len(p)] == p && (path[len(p)] == '.' || path[len(p)] == '[')) {
				return true
			}
		}
	}
	return false
}

// Problem is one schema violation at a path inside the event.
type Problem struct {
	Path string // e.g. "data.guest"
	Msg  string // e.g. `want bool, got string "yes"`
}

func (p Problem) String() string { return p.Path + ": " + p.Msg }
