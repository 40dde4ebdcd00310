package decode

import (
	"encoding/json"
	"fmt"
	"sort"
)

// QAPIDump is the event part of one QEMU release's QAPI schema, as written by
// scripts/qapi-events-dump.py into testdata/qapi/.
type QAPIDump struct {
	QEMU string `json:"qemu"`
	// Snapshot describes a tree that is no release (upstream master of a
	// date), whose QEMU is that tree's own VERSION (10.2.50): it is
	// compared as any dump, but the catalog does not count it among the
	// releases it knows (Catalog.Newest).
	Snapshot string `json:"snapshot"`
	// IntWidths: integers are named as QAPI names them (uint32, size);
	// older dumps named every integer "int".
	IntWidths bool                     `json:"int_widths"`
	Events    []QAPIEvent              `json:"events"`
	Types     map[string]*QAPINamedTyp `json:"types"`

	version Version
}

// QAPIEvent is one event of a dump.
type QAPIEvent struct {
	Name    string       `json:"name"`
	Since   string       `json:"since"`
	Members []QAPIMember `json:"members"`
}

// QAPIMember is one member of an event's data or of an object type.
type QAPIMember struct {
	Name     string          `json:"name"`
	Type     json.RawMessage `json:"type"` // "str", "SomeType" or {"array": T}
	Optional bool            `json:"optional"`
	Since    string          `json:"since"`
	If       json.RawMessage `json:"if"`
}

// QAPINamedTyp is one named type of a dump: an enum, an object (maybe a
// union), or an alternate.
type QAPINamedTyp struct {
	Since     string                  `json:"since"`
	Enum      []QAPIEnumValue         `json:"enum"`
	Members   []QAPIMember            `json:"members"`
	Tag       string                  `json:"tag"`
	Variants  map[string][]QAPIMember `json:"variants"`
	Alternate []json.RawMessage       `json:"alternate"`
}

// QAPIEnumValue is one value of an enum type.
type QAPIEnumValue struct {
	Name  string `json:"name"`
	Since string `json:"since"`
}

// ParseQAPIDump reads a dump.
func ParseQAPIDump(b []byte) (*QAPIDump, error) {
	var d QAPIDump
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("qapi dump: %w", err)
	}
	v, err := ParseVersion(d.QEMU)
	if err != nil {
		return nil, fmt.Errorf("qapi dump: %w", err)
	}
	d.version = v
	return &d, nil
}

// Version is the QEMU release the dump was made from.
func (d *QAPIDump) Version() Version { return d.version }

// CompareQAPI lists every way the catalog disagrees with QAPI dumps of
// several releases. The newest dump is compared in full: events, members,
// types, optionality, union variants, enum values and every "since". Older
// dumps are compared for presence: an event or member the catalog dates at
// or before a release must be in that release, and everything a release has
// must be in the catalog; an event gone from a later release must carry the
// version that removed it. Own (qmpwatch) events are skipped.
func CompareQAPI(cat *Catalog, dumps []*QAPIDump) []string {
	if len(dumps) == 0 {
		return nil
	}
	sort.Slice(dumps, func(i, j int) bool { return dumps[i].version.Less(dumps[j].version) })
	q := &qapiCompare{}
	newest := dumps[len(dumps)-1]
	for _, d := range dumps {
		q.presence(cat, d, d == newest)
	}
	for _, e := range cat.Events() {
		if e.Own {
			continue
		}
		var last *QAPIDump // newest dump that has the event
		for _, d := range dumps {
			if d.event(e.Name) != nil {
				last = d
			}
		}
		switch {
		case last == nil && !e.Removed.Known():
			q.add("%s: in the catalog, in no QAPI dump (%s..%s)", e.Name, dumps[0].QEMU, newest.QEMU)
		case last == newest && e.Removed.Known():
			q.add("%s: catalog says removed in %s, but QEMU %s has it", e.Name, e.Removed, newest.QEMU)
		case last != nil && last != newest && !e.Removed.Known():
			q.add("%s: QEMU %s has it, later dumps do not: say removed: VERSION", e.Name, last.QEMU)
		}
	}
	return q.out
}

type qapiCompare struct {
	out []string
}

func (q *qapiCompare) add(format string, args ...any) {
	q.out = append(q.out, fmt.Sprintf(format, args...))
}

func (d *QAPIDump) event(name string) *QAPIEvent {
	for i := range d.Events {
		if d.Events[i].Name == name {
			return &d.Events[i]
		}
	}
	return nil
}

func (q *qapiCompare) presence(cat *Catalog, d *QAPIDump, full bool) {
	for _, qe := range d.Events {
		ce := cat.Lookup(qe.Name)
		if ce == nil {
			q.add("%s: QEMU %s has it, the catalog does not", qe.Name, d.QEMU)
			continue
		}
		if ce.RemovedIn(d.version) {
			q.add("%s: catalog says removed in %s, but QEMU %s has it", qe.Name, ce.Removed, d.QEMU)
		}
		since, _ := optVersion(qe.Since)
		if full && since != ce.Since {
			q.add("%s: since %s in QEMU %s, %s in the catalog", qe.Name, qe.Since, d.QEMU, verText(ce.Since))
		}
		w := qapiWalk{q: q, d: d, full: full, event: qe.Name, eventSince: ce.Since}
		w.members("data", ce.Fields, qe.Members, ce.Since)
	}
	for _, ce := range cat.Events() {
		if ce.Own || d.event(ce.Name) != nil || d.version.Less(ce.Since) || ce.RemovedIn(d.version) {
			continue
		}
		q.add("%s: catalog dates it %s, but QEMU %s does not have it", ce.Name, verText(ce.Since), d.QEMU)
	}
}

func verText(v Version) string {
	if !v.Known() {
		return "none"
	}
	return shortVersion(v)
}

// shortVersion writes a version as QAPI doc comments do: "2.12", "0.13".
func shortVersion(v Version) string {
	if v.Micro != 0 {
		return v.String()
	}
	return fmt.Sprintf("%d.%d", v.Major, v.Minor)
}

type qapiWalk struct {
	q          *qapiCompare
	d          *QAPIDump
	full       bool
	event      string
	eventSince Version
	depth      int
}

func (w *qapiWalk) add(path, format string, args ...any) {
	w.q.add("%s: %s: %s", w.event, path, fmt.Sprintf(format, args...))
}

// members compares catalog fields with QAPI members. parent is the version
// a member without its own "since" dates from.
func (w *qapiWalk) members(path string, cfs []*Field, qms []QAPIMember, parent Version) {
	for _, qm := range qms {
		p := path + "." + qm.Name
		cf := findField(cfs, qm.Name)
		if cf == nil {
			w.add(p, "QEMU %s has it, the catalog does not", w.d.QEMU)
			continue
		}
		if !w.full {
			continue
		}
		qs, _ := optVersion(qm.Since)
		if qs != cf.Since && !(qs.Known() && !cf.Since.Known() && qs == parent) && !(!qs.Known() && cf.SinceFromHistory) {
			w.add(p, "since %s in QEMU, %s in the catalog", verText(qs), verText(cf.Since))
		}
		if qm.Optional != cf.Optional {
			w.add(p, "%s in QEMU, %s in the catalog", optName(qm.Optional), optName(cf.Optional))
		}
		w.typ(p, cf.Type, qm.Type)
	}
	for _, cf := range cfs {
		if hasQAPIMember(qms, cf.Name) || w.d.version.Less(cf.Since) {
			continue
		}
		w.add(path+"."+cf.Name, "in the catalog, not in QEMU %s", w.d.QEMU)
	}
}

func hasQAPIMember(qms []QAPIMember, name string) bool {
	for _, m := range qms {
		if m.Name == name {
			return true
		}
	}
	return false
}

// typ compares a catalog type with a QAPI type reference.
func (w *qapiWalk) typ(path string, ct *Type, ref json.RawMessage) {
	if w.depth > 8 {
		return
	}
	w.depth++
	defer func() { w.depth-- }()
	var name string
	if json.Unmarshal(ref, &name) != nil {
		var arr struct {
			Array json.RawMessage `json:"array"`
		}
		if json.Unmarshal(ref, &arr) != nil || arr.Array == nil {
			w.add(path, "unreadable QAPI type %s", ref)
			return
		}
		if ct.Kind != KindArray {
			w.add(path, "array in QEMU, %s in the catalog", ct)
			return
		}
		w.typ(path+"[]", ct.Elem, arr.Array)
		return
	}
	if it, ok := intTypes[name]; ok {
		switch {
		case ct.Kind != KindInt && ct.Kind != KindUint:
			w.add(path, "%s in QEMU, %s in the catalog", name, ct)
		case w.d.IntWidths && ct.Int != name:
			// QAPI's width is kept: a uint32 member given 2^40 is a
			// violation, which the catalog can only see if it knows.
			w.add(path, "%s in QEMU, %s in the catalog", name, ct)
		case w.d.IntWidths && ct.Kind != it.kind:
			w.add(path, "%s in QEMU, %s in the catalog", name, ct.Kind)
		}
		return
	}
	switch name {
	case KindStr, KindNumber, KindBool, KindNull, KindAny:
		if ct.Kind != name {
			w.add(path, "%s in QEMU, %s in the catalog", name, ct)
		}
		return
	}
	nt := w.d.Types[name]
	if nt == nil {
		w.add(path, "QAPI type %s is not in the dump", name)
		return
	}
	switch {
	case nt.Enum != nil:
		if ct.Kind != KindEnum {
			w.add(path, "enum %s in QEMU, %s in the catalog", name, ct)
			return
		}
		w.enum(path, ct, nt)
	case nt.Alternate != nil:
		if ct.Kind != KindAlternate || len(ct.Alts) != len(nt.Alternate) {
			w.add(path, "alternate %s in QEMU, %s in the catalog", name, ct)
			return
		}
		for i, a := range nt.Alternate {
			w.typ(path, ct.Alts[i], a)
		}
	default:
		if ct.Kind != KindObject {
			w.add(path, "object %s in QEMU, %s in the catalog", name, ct)
			return
		}
		since, _ := optVersion(nt.Since)
		w.members(path, ct.Members, nt.Members, since)
		if nt.Tag != ct.Tag {
			w.add(path, "union tag %q in QEMU, %q in the catalog", nt.Tag, ct.Tag)
			return
		}
		cases := make([]string, 0, len(nt.Variants))
		for c := range nt.Variants {
			cases = append(cases, c)
		}
		sort.Strings(cases)
		for _, c := range cases {
			cv, ok := ct.Variants[c]
			if !ok && len(nt.Variants[c]) > 0 {
				w.add(path, "variant %q is not in the catalog", c)
				continue
			}
			w.members(path+"("+c+")", cv, nt.Variants[c], since)
		}
		for c := range ct.Variants {
			if _, ok := nt.Variants[c]; !ok {
				w.add(path, "variant %q is in the catalog, not in QEMU %s", c, w.d.QEMU)
			}
		}
	}
}

func (w *qapiWalk) enum(path string, ct *Type, nt *QAPINamedTyp) {
	for _, qv := range nt.Enum {
		if !contains(ct.Values, qv.Name) {
			w.add(path, "value %q (since %s) is not in the catalog", qv.Name, qv.Since)
			continue
		}
		qs, _ := optVersion(qv.Since)
		if cs := ct.Since[qv.Name]; cs != qs {
			w.add(path, "value %q: since %s in QEMU, %s in the catalog", qv.Name, verText(qs), verText(cs))
		}
	}
	for _, cv := range ct.Values {
		found := false
		for _, qv := range nt.Enum {
			found = found || qv.Name == cv
		}
		if !found {
			w.add(path, "value %q is in the catalog, not in QEMU %s", cv, w.d.QEMU)
		}
	}
}
