package decode

import "strings"

// Validate checks one event against the catalog as the QEMU of version v
// would have sent it (the zero Version when unknown). An event the catalog
// lacks is marked Unknown and passes; members it lacks are listed in
// UnknownFields and pass too. Only missing required members, wrong types and
// unknown enum values are Problems; when v is newer than the newest release
// the catalog knows (Newest), unknown enum values are listed in
// UnknownValues instead and the Check says Newer.
//
// It runs on every event, so it first reads the raw data in place
// (rawClean): a clean event is never decoded. Only an event with something
// to report, or a shape the fast path leaves alone, is decoded and walked.
func (c *Catalog) Validate(ev *Event, v Version) Check {
	newer := c.Beyond(v)
	spec := c.Lookup(ev.Name)
	if spec == nil {
		return Check{Checked: true, Unknown: true, Newer: newer}
	}
	w := walker{v: v, event: spec.Since, lenient: newer}
	if ev.DataRaw != nil && rawClean(ev.DataRaw, spec.data, &w) {
		return Check{Checked: true, Newer: newer}
	}
	data := ev.Data()
	w.push("data", 0)
	w.value(&data, spec.data)
	return Check{Checked: true, Problems: w.problems, UnknownFields: w.unknown, UnknownValues: w.values, Newer: newer}
}

// Beyond reports whether QEMU version v is a release newer than the newest
// the catalog knows (comparing major and minor: 10.2.5 is 10.2). A catalog
// without a Newest (a live schema) is never beyond.
func (c *Catalog) Beyond(v Version) bool {
	n := c.Newest()
	if !n.Known() || !v.Known() {
		return false
	}
	return v.Major > n.Major || (v.Major == n.Major && v.Minor > n.Minor)
}

// pathElem is one step of the path to the value being checked: a member
// name, or an array index when key is "".
type pathElem struct {
	key   string
	index int
}

// maxPathDepth bounds the path kept for messages; QMP event data nests about
// four levels deep. Deeper values are still checked, their paths end in "...".
const maxPathDepth = 16

// walker holds the state of one Validate call. The path lives in a fixed
// array rather than in linked frames: recursion would make such frames
// escape to the heap, and a clean event must cost no allocation.
type walker struct {
	v        Version // the QEMU that sent the event; zero when unknown
	event    Version // when the event appeared
	path     [maxPathDepth]pathElem
	depth    int
	problems []Problem
	unknown  []string
	values   []string // unknown enum values accepted because lenient
	lenient  bool     // the sender is newer than the catalog
}

func (w *walker) push(key string, index int) {
	if w.depth < maxPathDepth {
		w.path[w.depth] = pathElem{key, index}
	}
	w.depth++
}

func (w *walker) pop() { w.depth-- }

// pathString renders the current path, plus one more member when key is
// not empty: "data.server.host", "data.list[2].n".
func (w *walker) pathString(key string) string {
	var b []byte
	for i := 0; i < w.depth && i < maxPathDepth; i++ {
		e := w.path[i]
		if e.key == "" {
			b = append(b, '[')
			b = append(b, itoa(e.index)...)
			b = append(b, ']')
			continue
		}
		if len(b) > 0 {
			b = append(b, '.')
		}
		b = append(b, e.key...)
	}
	if w.depth > maxPathDepth {
		b = append(b, "..."...)
	}
	if key != "" {
		b = append(b, '.')
		b = append(b, key...)
	}
	return string(b)
}

func (w *walker) problem(key, msg string) {
	w.problems = append(w.problems, Problem{Path: w.pathString(key), Msg: msg})
}

// required reports whether a non-optional field must be present: it must when
// the sending QEMU already had it, and, with the version unknown, when the
// field is as old as the event itself.
func (w *walker) required(f *Field) bool {
	if f.Optional {
		return false
	}
	if !f.Since.Known() {
		return true
	}
	if w.v.Known() {
		return !w.v.Less(f.Since)
	}
	return w.event.Known() && !w.event.Less(f.Since)
}

func (w *walker) value(val *Value, t *Type) {
	if t == nil {
		return
	}
	switch t.Kind {
	case KindAny:
		return
	case KindStr:
		if val.Kind != String {
			w.mismatch(val, t)
		}
	case KindInt:
		if val.Kind != Number || !isIntegerLiteral(val.Text) {
			w.mismatch(val, t)
		}
	case KindNumber:
		if val.Kind != Number {
			w.mismatch(val, t)
		}
	case KindBool:
		if val.Kind != Bool {
			w.mismatch(val, t)
		}
	case KindNull:
		if val.Kind != Null {
			w.mismatch(val, t)
		}
	case KindEnum:
		if val.Kind != String {
			w.mismatch(val, t)
		} else if !contains(t.Values, val.Text) && w.lenient {
			w.values = append(w.values, w.pathString(""))
		} else if !contains(t.Values, val.Text) {
			w.problem("", "unknown value "+quoteShort(val.Text)+" (want one of: "+strings.Join(t.Values, ", ")+")")
		}
	case KindArray:
		if val.Kind != Array {
			w.mismatch(val, t)
			return
		}
		for i := range val.Items {
			w.push("", i)
			w.value(&val.Items[i], t.Elem)
			w.pop()
		}
	case KindAlternate:
		for _, a := range t.Alts {
			if kindFits(val, a) {
				w.value(val, a)
				return
			}
		}
		w.mismatch(val, t)
	case KindObject:
		if val.Kind != Object {
			w.mismatch(val, t)
			return
		}
		w.object(val, t)
	}
}

func (w *walker) object(val *Value, t *Type) {
	w.members(val, t.Members)
	var variant []*Field
	if t.Tag != "" {
		if tag, ok := val.Get(t.Tag); ok && tag.Kind == String {
			variant = t.Variants[tag.Text]
		}
		w.members(val, variant)
	}
	for i := range val.Members {
		m := &val.Members[i]
		if findField(t.Members, m.Key) == nil && findField(variant, m.Key) == nil {
			w.unknown = append(w.unknown, w.pathString(m.Key))
		}
	}
}

func (w *walker) members(val *Value, fields []*Field) {
	for _, f := range fields {
		m := findMember(val, f.Name)
		if m == nil {
			if w.required(f) {
				w.problem(f.Name, "missing required field")
			}
			continue
		}
		w.push(f.Name, 0)
		w.value(&m.Value, f.Type)
		w.pop()
	}
}

func findMember(val *Value, key string) *Member {
	for i := range val.Members {
		if val.Members[i].Key == key {
			return &val.Members[i]
		}
	}
	return nil
}

func findField(fields []*Field, name string) *Field {
	for _, f := range fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// kindFits is the JSON-type test that picks an alternate's branch.
func kindFits(val *Value, t *Type) bool {
	switch t.Kind {
	case KindAny:
		return true
	case KindStr, KindEnum:
		return val.Kind == String
	case KindInt:
		return val.Kind == Number && isIntegerLiteral(val.Text)
	case KindNumber:
		return val.Kind == Number
	case KindBool:
		return val.Kind == Bool
	case KindNull:
		return val.Kind == Null
	case KindArray:
		return val.Kind == Array
	case KindObject:
		return val.Kind == Object
	}
	return false
}

func (w *walker) mismatch(val *Value, t *Type) {
	w.problem("", "want "+wantName(t)+", got "+describe(val))
}

func wantName(t *Type) string {
	switch t.Kind {
	case KindStr, KindEnum:
		return "string"
	case KindAlternate:
		parts := make([]string, len(t.Alts))
		for i, a := range t.Alts {
			parts[i] = wantName(a)
		}
		return strings.Join(parts, " or ")
	}
	return t.Kind
}

// describe names a value's JSON type with a short rendering of scalars.
func describe(val *Value) string {
	switch val.Kind {
	case String:
		return "string " + quoteShort(val.Text)
	case Number:
		return "number " + clipText(val.Text)
	case Bool:
		if val.True {
			return "bool true"
		}
		return "bool false"
	}
	return val.Kind.String()
}

func quoteShort(s string) string { return string(AppendQuote(nil, clipText(s))) }

func clipText(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && s[cut]&0xC0 == 0x80 { // don't split a UTF-8 sequence
		cut--
	}
	return s[:cut] + "..."
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
