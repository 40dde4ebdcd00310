package decode

import (
	"embed"
	"sort"
	"strings"
	"sync"
)

// Catalog is a set of QMP event schemas by name: the builtin one, written by
// hand in catalog/*.yaml, or one built from a running QEMU's query-qmp-schema.
type Catalog struct {
	byName map[string]*EventSpec
	events []*EventSpec // sorted by name
	newest Version      // see Newest
}

// EventSpec describes one event.
type EventSpec struct {
	Name        string
	Doc         string // one line
	Since       Version
	Fields      []*Field // members of "data", in documented order
	FollowUps   []FollowUp
	RateLimited bool      // QEMU sends at most one a second and drops the rest
	RateLimit   RateLimit // since when, and the events it lets through
	Removed     Version   // QEMU version that removed the event; zero: still there
	Own         bool      // a marker event qmpwatch itself emits, not QEMU
	Example     string    // one event as QEMU sends it, or ""
	Severity    Severity  // its level in a log pipeline (severity.go)

	data *Type // the "data" object, built from Fields for validation
}

// RateLimit details the throttling of a RateLimited event.
type RateLimit struct {
	Since  Version      // QEMU version that began throttling it; zero: always
	Per    string       // the data member whose each value has its own limit ("qom-path"); "": one limit for the event
	Except []RateExcept // events matching one of these are not throttled
}

// RateExcept is an exception to a rate limit: the events matching When are
// never throttled by a QEMU of version Since or later (zero Since: by every
// QEMU that throttles the event). An exception can come later than the limit,
// even in a stable release (10.2.2), so it carries its own version.
type RateExcept struct {
	When  Cond
	Since Version
}

// In reports whether QEMU version v has the exception (with v unknown:
// whether today's QEMU does).
func (x RateExcept) In(v Version) bool {
	return !v.Known() || !x.Since.Known() || !v.Less(x.Since)
}

// RateLimitedIn reports whether the QEMU of version v throttles the event
// (with v unknown: whether today's QEMU does).
func (e *EventSpec) RateLimitedIn(v Version) bool {
	if !e.RateLimited {
		return false
	}
	return !v.Known() || !e.RateLimit.Since.Known() || !v.Less(e.RateLimit.Since)
}

// RemovedIn reports whether QEMU of version v no longer has the event.
func (e *EventSpec) RemovedIn(v Version) bool {
	return e.Removed.Known() && v.Known() && !v.Less(e.Removed)
}

// Field is one member of an object.
type Field struct {
	Name, Doc string
	Type      *Type
	Optional  bool
	Since     Version // QEMU version that added the member; zero: as old as its parent

	// SinceFromHistory: QEMU's doc comments give no version for the member;
	// Since comes from QEMU's history (the QAPI check accepts it).
	SinceFromHistory bool
}

// The kinds of a Type.
const (
	KindStr       = "str"
	KindInt       = "int"  // a signed integer (QAPI int, int8..int64; Type.Int says which)
	KindUint      = "uint" // an unsigned integer (QAPI uint8..uint64, size; Type.Int says which)
	KindNumber    = "number"
	KindBool      = "bool"
	KindEnum      = "enum"
	KindObject    = "object"
	KindArray     = "array"
	KindAny       = "any"
	KindAlternate = "alternate"
	KindNull      = "null"
)

// Type is the type of a field. Unions are objects with a Tag member whose
// value picks extra members from Variants; alternates accept any of Alts.
type Type struct {
	Kind     string // one of the Kind* constants
	Name     string // the shared type's name, when it has one
	Values   []string
	Since    map[string]Version // enum: the QEMU version that added a value, when younger than the type
	Members  []*Field
	Elem     *Type               // array element
	Tag      string              // union: the member whose value picks a variant
	Variants map[string][]*Field // union: extra members by tag value
	Alts     []*Type             // alternate: the possible types
	// AnyInt64: a live schema's "int", which accepts int64 and uint64
	// values alike (QEMU's introspection names every integer type "int").
	AnyInt64 bool
	// Int is QAPI's name of an integer type (int, int8..int64,
	// uint8..uint64, size), and Bits its width (0: 64): a uint32 member
	// given 2^40 is out of range. "" for a live schema's integers, whose
	// width introspection does not tell.
	Int  string
	Bits uint8
}

// FollowUp is an event QEMU documents as coming after this one.
type FollowUp struct {
	When Cond   // empty: always
	Then string // the event that follows
	Doc  string
}

// Cond is the condition of a follow-up: a data member equal to a value, or a
// QEMU command-line option.
type Cond struct {
	Field  string `yaml:"field"`
	Equals string `yaml:"equals"`
	Option string `yaml:"option"`
}

// String describes the condition for people, e.g. `action == "stop"`.
func (c Cond) String() string {
	switch {
	case c.Field != "":
		return c.Field + ` == "` + c.Equals + `"`
	case c.Option != "":
		return "QEMU runs with " + c.Option
	}
	return "always"
}

//go:embed catalog/*.yaml
var catalogFS embed.FS

var builtin struct {
	once sync.Once
	cat  *Catalog
	err  error
}

// Builtin returns the embedded catalog, parsed once. The YAML is part of the
// binary and a test parses it, so a parse error here is a build defect.
func Builtin() *Catalog {
	builtin.once.Do(func() {
		builtin.cat, builtin.err = loadBuiltin()
	})
	if builtin.err != nil {
		// Keep the program running: an empty catalog marks every event
		// unknown instead of crashing the watcher.
		return newCatalog(nil)
	}
	return builtin.cat
}

// BuiltinError reports a parse error of the embedded catalog (nil normally).
func BuiltinError() error {
	Builtin()
	return builtin.err
}

func newCatalog(events []*EventSpec) *Catalog {
	c := &Catalog{byName: make(map[string]*EventSpec, len(events)), events: events}
	sort.Slice(c.events, func(i, j int) bool { return c.events[i].Name < c.events[j].Name })
	for _, e := range events {
		if e.data == nil {
			e.data = &Type{Kind: KindObject, Members: e.Fields}
		}
		c.byName[e.Name] = e
	}
	return c
}

// Lookup returns the event named name, or nil when the catalog lacks it.
func (c *Catalog) Lookup(name string) *EventSpec {
	if c == nil {
		return nil
	}
	return c.byName[name]
}

// Events returns every event, sorted by name.
func (c *Catalog) Events() []*EventSpec {
	if c == nil {
		return nil
	}
	return c.events
}

// Paths returns every "data.a.b" path any event has, sorted and unique, for
// filter suggestions. Array elements read "data.a[].b".
func (c *Catalog) Paths() []string {
	seen := map[string]bool{}
	for _, e := range c.Events() {
		addPaths(seen, "data", e.Fields, 0)
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func addPaths(seen map[string]bool, prefix string, fields []*Field, depth int) {
	if depth > 8 {
		return
	}
	for _, f := range fields {
		p := prefix + "." + f.Name
		seen[p] = true
		t := f.Type
		for t != nil && t.Kind == KindArray {
			p += "[]"
			t = t.Elem
		}
		if t != nil && t.Kind == KindObject {
			addPaths(seen, p, t.Members, depth+1)
			for _, vs := range t.Variants {
				addPaths(seen, p, vs, depth+1)
			}
		}
	}
}

// String renders a type for people: "str", "enum(read, write)",
// "object", "array of int", or the shared type's name.
func (t *Type) String() string {
	if t == nil {
		return "any"
	}
	switch t.Kind {
	case KindEnum:
		return "enum(" + strings.Join(t.Values, ", ") + ")"
	case KindArray:
		return "array of " + t.Elem.String()
	case KindAlternate:
		parts := make([]string, len(t.Alts))
		for i, a := range t.Alts {
			parts[i] = a.String()
		}
		return strings.Join(parts, " | ")
	case KindObject:
		if t.Name != "" {
			return "object " + t.Name
		}
	case KindInt, KindUint:
		if t.Int != "" {
			return t.Int
		}
	}
	return t.Kind
}

// Newest is the newest QEMU release whose schema the builtin catalog was
// checked against (testdata/qapi); a greeting from a newer QEMU may carry
// events, members and values the catalog cannot know.
func (c *Catalog) Newest() Version {
	if c == nil {
		return Version{}
	}
	return c.newest
}

// Paths returns the "data.a.b" paths of this event's members, sorted.
func (e *EventSpec) Paths() []string {
	seen := map[string]bool{}
	addPaths(seen, "data", e.Fields, 0)
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
