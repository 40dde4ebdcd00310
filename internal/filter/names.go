package filter

import (
	"sort"

	"github.com/itchyny/gojq"
)

// nameSet is the set of event names an expression can accept. nil means
// any name; an empty, non-nil set means none.
type nameSet map[string]bool

func (s nameSet) sorted() []string {
	if s == nil {
		return nil
	}
	out := make([]string, 0, len(s))
	for n := range s {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func intersect(a, b nameSet) nameSet {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	out := nameSet{}
	for n := range a {
		if b[n] {
			out[n] = true
		}
	}
	return out
}

func union(a, b nameSet) nameSet {
	if a == nil || b == nil {
		return nil
	}
	out := nameSet{}
	for n := range a {
		out[n] = true
	}
	for n := range b {
		out[n] = true
	}
	return out
}

// The analysis reads a jq query for the event names it requires, so the
// pipeline can drop other events by name without decoding them. It must
// never be wrong in the narrowing direction: anything it does not fully
// understand means "any name". Two questions are asked of a query run on
// an event object:
//   - truthyNames: which events can make it yield a value other than
//     false and null (what -f needs);
//   - outputNames: which events can make it yield anything at all (what
//     --jq needs: `.event == "X"` yields false for other events, and that
//     false is printed, so it restricts nothing there).

// truthyNames answers the first question for q.
func truthyNames(q *gojq.Query) nameSet {
	if q == nil || len(q.FuncDefs) > 0 || len(q.Imports) > 0 {
		// A local def could redefine select; don't guess.
		return nil
	}
	if q.Term != nil {
		return termNames(q.Term, true)
	}
	switch q.Op {
	case gojq.OpPipe:
		return pipeNames(q, truthyNames)
	case gojq.OpComma, gojq.OpOr:
		return union(truthyNames(q.Left), truthyNames(q.Right))
	case gojq.OpAnd:
		return intersect(truthyNames(q.Left), truthyNames(q.Right))
	case gojq.OpEq:
		return eventEquals(q)
	}
	return nil
}

// outputNames answers the second question for q.
func outputNames(q *gojq.Query) nameSet {
	if q == nil || len(q.FuncDefs) > 0 || len(q.Imports) > 0 {
		return nil
	}
	if q.Term != nil {
		return termNames(q.Term, false)
	}
	switch q.Op {
	case gojq.OpPipe:
		return pipeNames(q, outputNames)
	case gojq.OpComma:
		return union(outputNames(q.Left), outputNames(q.Right))
	}
	return nil
}

// pipeNames handles `A | B` and `A as $x | B`. B runs only on A's outputs,
// so A must yield something. When B still sees the event itself (A is a
// select, or a binding), B's own requirement holds too.
func pipeNames(q *gojq.Query, right func(*gojq.Query) nameSet) nameSet {
	left := outputNames(q.Left)
	if len(q.Patterns) > 0 || keepsInput(q.Left) {
		return intersect(left, right(q.Right))
	}
	return left
}

// keepsInput reports whether q passes its input through unchanged (or not
// at all): `.`, `select(...)`, `empty`, and chains of them.
func keepsInput(q *gojq.Query) bool {
	if q == nil || len(q.FuncDefs) > 0 {
		return false
	}
	if q.Term == nil {
		return q.Op == gojq.OpPipe && len(q.Patterns) == 0 && keepsInput(q.Left) && keepsInput(q.Right)
	}
	t := q.Term
	if len(t.SuffixList) > 0 {
		return false
	}
	switch t.Type {
	case gojq.TermTypeIdentity:
		return true
	case gojq.TermTypeQuery:
		return keepsInput(t.Query)
	case gojq.TermTypeFunc:
		return t.Func.Name == "select" && len(t.Func.Args) == 1 || t.Func.Name == "empty" && len(t.Func.Args) == 0
	}
	return false
}

// termNames handles a single term. select(C) yields the event (truthy)
// exactly when C is truthy, so both questions get C's truthy names.
func termNames(t *gojq.Term, truthy bool) nameSet {
	if len(t.SuffixList) > 0 {
		return nil
	}
	switch t.Type {
	case gojq.TermTypeQuery:
		if truthy {
			return truthyNames(t.Query)
		}
		return outputNames(t.Query)
	case gojq.TermTypeFunc:
		switch {
		case t.Func.Name == "select" && len(t.Func.Args) == 1:
			return truthyNames(t.Func.Args[0])
		case t.Func.Name == "empty" && len(t.Func.Args) == 0:
			return nameSet{}
		}
	}
	return nil
}

// eventEquals recognises `.event == "X"`, `"X" == .event` and
// `.event == ("X", "Y")`.
func eventEquals(q *gojq.Query) nameSet {
	for _, side := range [2][2]*gojq.Query{{q.Left, q.Right}, {q.Right, q.Left}} {
		if isEventIndex(side[0]) {
			if names, ok := stringLiterals(side[1]); ok {
				return names
			}
		}
	}
	return nil
}

// isEventIndex reports whether q is exactly `.event` (or `."event"`).
func isEventIndex(q *gojq.Query) bool {
	if q == nil || q.Term == nil || len(q.FuncDefs) > 0 {
		return false
	}
	t := q.Term
	if len(t.SuffixList) > 0 {
		return false
	}
	if t.Type == gojq.TermTypeQuery {
		return isEventIndex(t.Query)
	}
	if t.Type != gojq.TermTypeIndex || t.Index == nil || t.Index.IsSlice {
		return false
	}
	if t.Index.Start != nil { // .["event"]
		names, ok := stringLiterals(t.Index.Start)
		return ok && len(names) == 1 && names["event"]
	}
	if t.Index.Str != nil { // ."event"
		return len(t.Index.Str.Queries) == 0 && t.Index.Str.Str == "event"
	}
	return t.Index.Name == "event"
}

// stringLiterals reads a string literal or a comma list of them.
func stringLiterals(q *gojq.Query) (nameSet, bool) {
	if q == nil || len(q.FuncDefs) > 0 {
		return nil, false
	}
	if q.Term == nil {
		if q.Op != gojq.OpComma {
			return nil, false
		}
		l, ok1 := stringLiterals(q.Left)
		r, ok2 := stringLiterals(q.Right)
		if !ok1 || !ok2 {
			return nil, false
		}
		return union(l, r), true
	}
	t := q.Term
	if len(t.SuffixList) > 0 {
		return nil, false
	}
	switch t.Type {
	case gojq.TermTypeQuery:
		return stringLiterals(t.Query)
	case gojq.TermTypeString:
		if t.Str != nil && len(t.Str.Queries) == 0 {
			return nameSet{t.Str.Str: true}, true
		}
	}
	return nil, false
}
