package decode

import "bytes"

// rawClean reports whether data (the raw JSON of an event's "data") is
// clean against t: every required member present, every type right, every
// enum value known, no member the schema lacks. It reads the bytes in place
// and allocates nothing, so the common case, a clean event, never builds a
// Value. Anything it cannot settle cheaply (a union, an escaped name or enum
// value, a very wide object) counts as not clean: Validate then takes the
// slow path, which also writes the messages.
func rawClean(data []byte, t *Type, w *walker) bool {
	p := parser{b: data}
	p.ws()
	if !p.cleanValue(t, w, 0) {
		return false
	}
	p.ws()
	return p.i == len(p.b)
}

func (p *parser) cleanValue(t *Type, w *walker, depth int) bool {
	if t == nil || t.Kind == KindAny {
		return p.skip(depth) == nil
	}
	if p.i >= len(p.b) || depth > maxDepth {
		return false
	}
	c := p.b[p.i]
	switch t.Kind {
	case KindStr:
		return c == '"' && p.skipStr() == nil
	case KindInt, KindUint:
		if c != '-' && (c < '0' || c > '9') {
			return false
		}
		start := p.i
		if p.scanNumber() != nil {
			return false
		}
		lit := p.b[start:p.i]
		if bytes.IndexAny(lit, ".eE") >= 0 {
			return false
		}
		// Up to 18 digits is read here and checked against the type's
		// width; longer ones, and what does not fit, take the slow path,
		// which says why.
		digits := len(lit)
		if lit[0] == '-' {
			digits--
		}
		return digits <= 18 && intFits(lit, t)
	case KindNumber:
		if c != '-' && (c < '0' || c > '9') {
			return false
		}
		return p.scanNumber() == nil
	case KindBool:
		if c == 't' {
			return p.lit("true") == nil
		}
		return c == 'f' && p.lit("false") == nil
	case KindNull:
		return c == 'n' && p.lit("null") == nil
	case KindEnum:
		if c != '"' {
			return false
		}
		start := p.i + 1
		if p.skipStr() != nil {
			return false
		}
		s := p.b[start : p.i-1]
		if bytes.IndexByte(s, '\\') >= 0 {
			return false
		}
		for _, v := range t.Values {
			if string(s) == v {
				return true
			}
		}
		return false
	case KindArray:
		return c == '[' && p.cleanArray(t.Elem, w, depth)
	case KindAlternate:
		for _, a := range t.Alts {
			if rawKindFits(c, a) {
				return p.cleanValue(a, w, depth)
			}
		}
		return false
	case KindObject:
		return c == '{' && t.Tag == "" && len(t.Members) <= 64 && p.cleanObject(t, w, depth)
	}
	return false
}

func (p *parser) cleanArray(elem *Type, w *walker, depth int) bool {
	p.i++
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return true
	}
	for {
		p.ws()
		if !p.cleanValue(elem, w, depth+1) {
			return false
		}
		p.ws()
		if p.i >= len(p.b) {
			return false
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return true
		default:
			return false
		}
	}
}

func (p *parser) cleanObject(t *Type, w *walker, depth int) bool {
	p.i++
	var seen uint64
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return w.allPresent(t.Members, seen)
	}
	for {
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return false
		}
		start := p.i + 1
		if p.skipStr() != nil {
			return false
		}
		key := p.b[start : p.i-1]
		idx := -1
		for i, f := range t.Members {
			if string(key) == f.Name {
				idx = i
				break
			}
		}
		if idx < 0 {
			return false // a member the schema lacks, or an escaped name
		}
		seen |= 1 << uint(idx)
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return false
		}
		p.i++
		p.ws()
		if !p.cleanValue(t.Members[idx].Type, w, depth+1) {
			return false
		}
		p.ws()
		if p.i >= len(p.b) {
			return false
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return w.allPresent(t.Members, seen)
		default:
			return false
		}
	}
}

// allPresent reports whether every member required of this QEMU was seen.
func (w *walker) allPresent(fields []*Field, seen uint64) bool {
	for i, f := range fields {
		if seen&(1<<uint(i)) == 0 && w.required(f) {
			return false
		}
	}
	return true
}

// rawKindFits is kindFits for the first byte of a raw value.
func rawKindFits(c byte, t *Type) bool {
	switch t.Kind {
	case KindAny:
		return true
	case KindStr, KindEnum:
		return c == '"'
	case KindInt, KindUint, KindNumber:
		return c == '-' || (c >= '0' && c <= '9')
	case KindBool:
		return c == 't' || c == 'f'
	case KindNull:
		return c == 'n'
	case KindArray:
		return c == '['
	case KindObject:
		return c == '{'
	}
	return false
}
