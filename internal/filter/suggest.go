package filter

import (
	"fmt"
	"strings"

	"github.com/qmpwatch/qmpwatch/internal/nearest"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// Warnings checks the name patterns and --where paths against a catalog of
// known events and returns one line for each that no event can match, with
// the nearest real name when there is a close one. Live QEMUs may know
// events the catalog does not, so these are warnings, not errors.
func (f *Set) Warnings(cat *decode.Catalog) []string {
	events := cat.Events()
	if len(events) == 0 {
		return nil
	}
	var out []string
	var selected []*decode.EventSpec
	for _, e := range events {
		if f.events.Empty() || f.events.Match(e.Name) {
			selected = append(selected, e)
		}
	}
	out = append(out, GlobWarnings("-e", f.events, cat)...)
	if len(selected) == 0 || len(f.wheres) == 0 {
		return out
	}
	known := map[string]bool{}
	var open []string // prefixes under which any member may appear
	for _, e := range selected {
		addFieldPaths(known, &open, "", e.Fields, 0)
	}
	candidates := make([]string, 0, len(known))
	for p := range known {
		candidates = append(candidates, p)
	}
	for _, w := range f.wheres {
		p := wherePath(w.Path)
		if p == "" || known[p] || underOpen(p, open) {
			continue
		}
		if f.events.Empty() {
			out = append(out, withSuggestion("no event has data."+p, p, candidates))
			continue
		}
		msg := fmt.Sprintf("no event matching -e %s has data.%s", strings.Join(f.events.List(), ","), p)
		if others := eventsWithPath(events, p); len(others) > 0 {
			// The path is real, the -e picked the wrong events.
			out = append(out, fmt.Sprintf("%s (%s %s it)", msg, strings.Join(others, ", "), map[bool]string{true: "has", false: "have"}[len(others) == 1]))
			continue
		}
		out = append(out, withSuggestion(msg, p, candidates))
	}
	return out
}

// GlobWarnings returns one line for each pattern of g that no event of cat
// matches, naming the flag that carried it.
func GlobWarnings(flag string, g *Globs, cat *decode.Catalog) []string {
	events := cat.Events()
	if len(events) == 0 {
		return nil
	}
	names := make([]string, len(events))
	for i, e := range events {
		names[i] = e.Name
	}
	var out []string
	for _, p := range g.List() {
		one, _ := CompileGlobs([]string{p})
		if !anyMatch(one, names) {
			out = append(out, withSuggestion(fmt.Sprintf("no event matches %s %s", flag, p), p, names))
		}
	}
	return out
}

// eventsWithPath names up to three events that have data member path p.
func eventsWithPath(events []*decode.EventSpec, p string) []string {
	var names []string
	for _, e := range events {
		known := map[string]bool{}
		var open []string
		addFieldPaths(known, &open, "", e.Fields, 0)
		if known[p] || underOpen(p, open) {
			if len(names) == 3 {
				return append(names, "...")
			}
			names = append(names, e.Name)
		}
	}
	return names
}

func anyMatch(g *Globs, names []string) bool {
	for _, n := range names {
		if g.Match(n) {
			return true
		}
	}
	return false
}

// wherePath writes a --where path as the catalog names it, without array
// indexes.
func wherePath(path []string) string {
	var segs []string
	for _, s := range path {
		if s != "" && strings.Trim(s, "0123456789") == "" {
			continue
		}
		segs = append(segs, s)
	}
	return strings.Join(segs, ".")
}

func underOpen(p string, open []string) bool {
	for _, o := range open {
		if strings.HasPrefix(p, o+".") {
			return true
		}
	}
	return false
}

// addFieldPaths records every member path (without "data.") of fields.
func addFieldPaths(known map[string]bool, open *[]string, prefix string, fields []*decode.Field, depth int) {
	if depth > 8 {
		return
	}
	for _, fl := range fields {
		p := fl.Name
		if prefix != "" {
			p = prefix + "." + fl.Name
		}
		known[p] = true
		addTypePaths(known, open, p, fl.Type, depth)
	}
}

func addTypePaths(known map[string]bool, open *[]string, p string, t *decode.Type, depth int) {
	for t != nil && t.Kind == decode.KindArray {
		t = t.Elem
	}
	switch {
	case t == nil || t.Kind == decode.KindAny:
		*open = append(*open, p)
	case t.Kind == decode.KindAlternate:
		for _, a := range t.Alts {
			addTypePaths(known, open, p, a, depth)
		}
	case t.Kind == decode.KindObject:
		addFieldPaths(known, open, p, t.Members, depth+1)
		for _, vs := range t.Variants {
			addFieldPaths(known, open, p, vs, depth+1)
		}
	}
}

// withSuggestion adds "; did you mean X?" when a candidate is close enough
// to be a likely typo.
func withSuggestion(msg, got string, candidates []string) string {
	if best := nearest.Typo(got, candidates); best != "" {
		return msg + "; did you mean " + best + "?"
	}
	return msg
}
