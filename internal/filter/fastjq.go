package filter

import (
	"math/big"
	"strconv"

	"github.com/itchyny/gojq"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// fastPred evaluates the -f expressions scripts write most, a path compared
// with a literal, joined by and/or, perhaps inside select(...), straight on
// the event, without building jq's map view of it. Its answers equal jq's;
// where it cannot be sure (a path through a string, say) it says so and
// jq runs as usual.
type fastPred interface {
	// eval returns the truth of the expression; ok false means "ask jq".
	eval(ev *decode.Event) (truth, ok bool)
	// reads reports whether some path starts at the event's member top.
	reads(top string) bool
}

// compileFast returns nil for anything outside the subset. A select(C) is
// understood only as the whole expression: there it yields the event, which
// is truthy, exactly when C is; inside and/or its empty output would make
// the whole expression yield nothing, which a boolean cannot say.
func compileFast(q *gojq.Query) fastPred {
	if q == nil || len(q.FuncDefs) > 0 || len(q.Imports) > 0 || len(q.Patterns) > 0 {
		return nil
	}
	if t := q.Term; t != nil && len(t.SuffixList) == 0 {
		switch {
		case t.Type == gojq.TermTypeQuery:
			return compileFast(t.Query)
		case t.Type == gojq.TermTypeFunc && t.Func.Name == "select" && len(t.Func.Args) == 1:
			return compileBool(t.Func.Args[0])
		}
	}
	return compileBool(q)
}

// compileBool compiles comparisons joined by and/or.
func compileBool(q *gojq.Query) fastPred {
	if q == nil || len(q.FuncDefs) > 0 || len(q.Imports) > 0 || len(q.Patterns) > 0 {
		return nil
	}
	if t := q.Term; t != nil {
		if t.Type == gojq.TermTypeQuery && len(t.SuffixList) == 0 {
			return compileBool(t.Query)
		}
		return nil
	}
	switch q.Op {
	case gojq.OpAnd, gojq.OpOr:
		l, r := compileBool(q.Left), compileBool(q.Right)
		if l == nil || r == nil {
			return nil
		}
		return &boolPred{and: q.Op == gojq.OpAnd, l: l, r: r}
	case gojq.OpEq, gojq.OpNe, gojq.OpLt, gojq.OpLe, gojq.OpGt, gojq.OpGe:
		if path, ok := indexPath(q.Left); ok {
			if lit, ok := literal(q.Right); ok {
				return &cmpPred{path: path, op: q.Op, lit: lit}
			}
		}
		if path, ok := indexPath(q.Right); ok {
			if lit, ok := literal(q.Left); ok {
				return &cmpPred{path: path, op: q.Op, lit: lit, litLeft: true}
			}
		}
	}
	return nil
}

type boolPred struct {
	and  bool
	l, r fastPred
}

func (b *boolPred) reads(top string) bool { return b.l.reads(top) || b.r.reads(top) }

func (b *boolPred) eval(ev *decode.Event) (bool, bool) {
	l, ok := b.l.eval(ev)
	if !ok {
		return false, false
	}
	if b.and && !l || !b.and && l {
		return l, true // jq short-circuits too
	}
	return b.r.eval(ev)
}

type cmpPred struct {
	path    []string
	op      gojq.Operator
	lit     any
	litLeft bool // the literal is on the left: 1 == .data.x
}

func (c *cmpPred) reads(top string) bool { return c.path[0] == top }

func (c *cmpPred) eval(ev *decode.Event) (bool, bool) {
	v, ok := ev.Index(c.path)
	if !ok {
		return false, false
	}
	var n int
	if c.litLeft {
		n = gojq.Compare(c.lit, v.Interface())
	} else {
		n = gojq.Compare(v.Interface(), c.lit)
	}
	switch c.op {
	case gojq.OpEq:
		return n == 0, true
	case gojq.OpNe:
		return n != 0, true
	case gojq.OpLt:
		return n < 0, true
	case gojq.OpLe:
		return n <= 0, true
	case gojq.OpGt:
		return n > 0, true
	}
	return n >= 0, true
}

// indexPath reads `.a.b."c-d"` (names only: no [expr], no slices).
func indexPath(q *gojq.Query) ([]string, bool) {
	if q == nil || q.Term == nil || len(q.FuncDefs) > 0 {
		return nil, false
	}
	t := q.Term
	if t.Type == gojq.TermTypeQuery && len(t.SuffixList) == 0 {
		return indexPath(t.Query)
	}
	if t.Type != gojq.TermTypeIndex {
		return nil, false
	}
	first, ok := indexName(t.Index)
	if !ok {
		return nil, false
	}
	path := []string{first}
	for _, s := range t.SuffixList {
		if s.Index == nil || s.Iter || s.Optional {
			return nil, false
		}
		name, ok := indexName(s.Index)
		if !ok {
			return nil, false
		}
		path = append(path, name)
	}
	return path, true
}

func indexName(ix *gojq.Index) (string, bool) {
	switch {
	case ix == nil || ix.IsSlice || ix.Start != nil || ix.End != nil:
		return "", false
	case ix.Str != nil:
		return ix.Str.Str, len(ix.Str.Queries) == 0
	}
	return ix.Name, ix.Name != ""
}

// literal reads a number, string, true, false or null constant, in the
// form jq itself would hold it.
func literal(q *gojq.Query) (any, bool) {
	if q == nil || q.Term == nil || len(q.FuncDefs) > 0 || len(q.Term.SuffixList) > 0 {
		return nil, false
	}
	t := q.Term
	switch t.Type {
	case gojq.TermTypeQuery:
		return literal(t.Query)
	case gojq.TermTypeNull:
		return nil, true
	case gojq.TermTypeTrue:
		return true, true
	case gojq.TermTypeFalse:
		return false, true
	case gojq.TermTypeString:
		if t.Str != nil && len(t.Str.Queries) == 0 {
			return t.Str.Str, true
		}
	case gojq.TermTypeNumber:
		return numberLiteral(t.Number)
	case gojq.TermTypeUnary:
		if t.Unary != nil && t.Unary.Op == gojq.OpSub && t.Unary.Term != nil && t.Unary.Term.Type == gojq.TermTypeNumber && len(t.Unary.Term.SuffixList) == 0 {
			return numberLiteral("-" + t.Unary.Term.Number)
		}
	}
	return nil, false
}

func numberLiteral(s string) (any, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return int(n), true
	}
	if b, ok := new(big.Int).SetString(s, 10); ok {
		return b, true
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}
