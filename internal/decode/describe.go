package decode

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// EventDoc is everything the catalog knows about one event, for
// `qmpwatch events -o json` (one object a line).
type EventDoc struct {
	Name        string        `json:"name"`
	Since       string        `json:"since,omitempty"`
	Removed     string        `json:"removed,omitempty"` // QEMU version that removed it
	Doc         string        `json:"doc"`
	RateLimited bool          `json:"rate_limited"`
	RateLimit   *RateLimitDoc `json:"rate_limit,omitempty"`
	Own         bool          `json:"own,omitempty"`
	Fields      []FieldDoc    `json:"fields"`
	FollowUps   []FollowUpDoc `json:"follow_ups,omitempty"`
	Example     string        `json:"example,omitempty"`
}

// RateLimitDoc details a rate limit: QEMU sends at most one event a second
// (per event, or per value of the member Per) and drops the ones in
// between, except the events matching Except.
type RateLimitDoc struct {
	PerSecond int         `json:"per_second"`
	Since     string      `json:"since,omitempty"`
	Per       string      `json:"per,omitempty"` // e.g. "qom-path": one limit per device
	Except    []ExceptDoc `json:"except,omitempty"`
}

// ExceptDoc is an exception to a rate limit: the events matching When are
// always sent, by QEMU Since and later (every QEMU when Since is empty).
type ExceptDoc struct {
	When  string `json:"when"` // e.g. `action == "stop"`
	Since string `json:"since,omitempty"`
}

// FieldDoc is one member, with its type's details: enum values with the
// version that added each (when younger than the type), object members,
// union variants, array elements.
type FieldDoc struct {
	Name       string                `json:"name"`
	Type       string                `json:"type"`
	Values     []string              `json:"values,omitempty"`
	ValueSince map[string]string     `json:"value_since,omitempty"`
	Optional   bool                  `json:"optional"`
	Since      string                `json:"since,omitempty"`
	Doc        string                `json:"doc,omitempty"`
	Members    []FieldDoc            `json:"members,omitempty"`
	Tag        string                `json:"tag,omitempty"`
	Variants   map[string][]FieldDoc `json:"variants,omitempty"`
}

// FollowUpDoc is an event QEMU documents as coming after this one.
type FollowUpDoc struct {
	When string `json:"when"`
	Then string `json:"then"`
	Doc  string `json:"doc,omitempty"`
}

// Describe returns the machine-readable description of an event.
func Describe(e *EventSpec) EventDoc {
	d := EventDoc{Name: e.Name, Doc: e.Doc, RateLimited: e.RateLimited, Own: e.Own, Example: e.Example,
		Fields: fieldDocs(e.Fields, 0)}
	if e.Since.Known() {
		d.Since = shortVersion(e.Since)
	}
	if e.Removed.Known() {
		d.Removed = shortVersion(e.Removed)
	}
	if e.RateLimited {
		d.RateLimit = &RateLimitDoc{PerSecond: 1}
		if e.RateLimit.Since.Known() {
			d.RateLimit.Since = shortVersion(e.RateLimit.Since)
		}
		d.RateLimit.Per = e.RateLimit.Per
		for _, x := range e.RateLimit.Except {
			xd := ExceptDoc{When: x.When.String()}
			if x.Since.Known() {
				xd.Since = shortVersion(x.Since)
			}
			d.RateLimit.Except = append(d.RateLimit.Except, xd)
		}
	}
	if d.Fields == nil {
		d.Fields = []FieldDoc{}
	}
	for _, f := range e.FollowUps {
		d.FollowUps = append(d.FollowUps, FollowUpDoc{When: f.When.String(), Then: f.Then, Doc: f.Doc})
	}
	return d
}

func fieldDocs(fs []*Field, depth int) []FieldDoc {
	var out []FieldDoc
	for _, f := range fs {
		j := FieldDoc{Name: f.Name, Type: typeKind(f.Type), Optional: f.Optional, Doc: f.Doc}
		if f.Since.Known() {
			j.Since = shortVersion(f.Since)
		}
		t := f.Type
		for t.Kind == KindArray && t.Elem != nil {
			t = t.Elem
		}
		if t.Kind == KindEnum {
			j.Values = t.Values
			for v, s := range t.Since {
				if j.ValueSince == nil {
					j.ValueSince = map[string]string{}
				}
				j.ValueSince[v] = shortVersion(s)
			}
		}
		if t.Kind == KindObject && depth < 6 {
			j.Members = fieldDocs(t.Members, depth+1)
			if t.Tag != "" {
				j.Tag = t.Tag
				j.Variants = map[string][]FieldDoc{}
				for k, vs := range t.Variants {
					j.Variants[k] = fieldDocs(vs, depth+1)
					if j.Variants[k] == nil {
						j.Variants[k] = []FieldDoc{}
					}
				}
			}
		}
		out = append(out, j)
	}
	return out
}

// typeKind is a type's one-word name: str, int, uint32, enum, object,
// "array of str".
func typeKind(t *Type) string {
	switch {
	case t.Kind == KindArray:
		return "array of " + typeKind(t.Elem)
	case t.Int != "":
		return t.Int
	}
	return t.Kind
}

// WriteEventText writes everything the catalog knows about an event for
// people (`qmpwatch events NAME`).
func WriteEventText(w io.Writer, e *EventSpec) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n  %s\n\n", e.Name, e.Doc)
	switch {
	case e.Own:
		b.WriteString("Emitted by qmpwatch itself, not by QEMU.\n")
	case e.Removed.Known():
		fmt.Fprintf(&b, "Since QEMU %s; removed in QEMU %s.\n", shortVersion(e.Since), shortVersion(e.Removed))
	default:
		fmt.Fprintf(&b, "Since QEMU %s.\n", shortVersion(e.Since))
	}
	if e.RateLimited {
		b.WriteString("Rate-limited")
		if e.RateLimit.Since.Known() {
			fmt.Fprintf(&b, " since QEMU %s", shortVersion(e.RateLimit.Since))
		}
		b.WriteString(": QEMU sends at most one a second")
		if e.RateLimit.Per != "" {
			fmt.Fprintf(&b, " per %s", e.RateLimit.Per)
		}
		b.WriteString(" and drops the ones in between")
		for i, x := range e.RateLimit.Except {
			sep := ", except when "
			if i > 0 {
				sep = ", or when "
			}
			b.WriteString(sep)
			b.WriteString(x.When.String())
			if x.Since.Known() {
				fmt.Fprintf(&b, " (always sent since QEMU %s)", shortVersion(x.Since))
			} else {
				b.WriteString(" (always sent)")
			}
		}
		b.WriteString(".\n")
	}
	b.WriteString("\nFields:\n")
	if len(e.Fields) == 0 {
		b.WriteString("  (none)\n")
	} else {
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		writeFieldsText(tw, e.Fields, "  ")
		tw.Flush()
	}
	if len(e.FollowUps) > 0 {
		b.WriteString("\nFollowed by:\n")
		for _, f := range e.FollowUps {
			fmt.Fprintf(&b, "  %s when %s: %s\n", f.Then, f.When, f.Doc)
		}
	}
	if e.Example != "" {
		fmt.Fprintf(&b, "\nExample:\n  %s\n", e.Example)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// typeText renders a type for people, with the version of each enum value
// younger than its type: enum(none, setup, postcopy-device 10.2).
func typeText(t *Type) string {
	switch t.Kind {
	case KindEnum:
		parts := make([]string, len(t.Values))
		for i, v := range t.Values {
			parts[i] = v
			if s, ok := t.Since[v]; ok {
				parts[i] += " " + shortVersion(s)
			}
		}
		return "enum(" + strings.Join(parts, ", ") + ")"
	case KindArray:
		return "array of " + typeText(t.Elem)
	}
	return t.String()
}

func writeFieldsText(w io.Writer, fs []*Field, indent string) {
	for _, f := range fs {
		var notes []string
		if f.Optional {
			notes = append(notes, "optional")
		}
		if f.Since.Known() {
			notes = append(notes, "since "+shortVersion(f.Since))
		}
		note := ""
		if len(notes) > 0 {
			note = " (" + strings.Join(notes, ", ") + ")"
		}
		fmt.Fprintf(w, "%s%s\t%s\t%s%s\n", indent, f.Name, typeText(f.Type), f.Doc, note)
		t := f.Type
		for t.Kind == KindArray {
			t = t.Elem
		}
		if t.Kind == KindObject && len(indent) < 14 {
			writeFieldsText(w, t.Members, indent+"  ")
			keys := make([]string, 0, len(t.Variants))
			for k := range t.Variants {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(w, "%s  when %s is %q:\t\t\n", indent, t.Tag, k)
				writeFieldsText(w, t.Variants[k], indent+"    ")
			}
		}
	}
}
