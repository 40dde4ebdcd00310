package decode

import "strconv"

// This file holds the two path walkers of decode: one over raw JSON (seek)
// and one over decoded values (walk). Both follow one rule: a member that
// is absent, or a null along the way, means nothing is there (absent);
// a string, number or bool along the way, or an array where arrays are not
// indexed, is a value that has no members (scalar). Lookup, LookupRaw,
// Index, At and Path only map these outcomes onto their callers' needs.

// outcome is where a path led.
type outcome uint8

const (
	present outcome = iota // a value is at the path
	absent                 // a member is absent, or a null is on the way
	scalar                 // a scalar (or an unindexed array) is on the way
)

// walk follows path (member names; array indexes in decimal when arrays is
// set) down from v.
func walk(v Value, path []string, arrays bool) (Value, outcome) {
	for _, k := range path {
		switch v.Kind {
		case Object:
			m, ok := v.Get(k)
			if !ok {
				return Value{}, absent
			}
			v = m
		case Null:
			return Value{}, absent
		case Array:
			if !arrays {
				return Value{}, scalar
			}
			n, err := strconv.Atoi(k)
			if err != nil || n < 0 || n >= len(v.Items) {
				return Value{}, absent
			}
			v = v.Items[n]
		default:
			return Value{}, scalar
		}
	}
	return v, present
}

// seek follows path through raw data, as walk does through a decoded value,
// without decoding anything but the value found and without trusting the
// data: only the first JSON value is read, and sure is false wherever it
// cannot tell (escaped member names, malformed input).
func seek(data []byte, path []string, arrays bool) (v Value, o outcome, sure bool) {
	p := parser{b: data}
	for _, k := range path {
		p.ws()
		if p.i >= len(p.b) {
			return Value{}, absent, false
		}
		var in, ok bool
		switch p.b[p.i] {
		case '{':
			in, ok = p.seekMember(k)
		case '[':
			if !arrays {
				return Value{}, scalar, true
			}
			in, ok = p.seekItem(k)
		case 'n':
			if p.skip(0) != nil {
				return Value{}, absent, false
			}
			return Value{}, absent, true
		default:
			// A scalar has no members, unless it is itself malformed.
			if p.skip(0) != nil {
				return Value{}, absent, false
			}
			return Value{}, scalar, true
		}
		if !ok {
			return Value{}, absent, false
		}
		if !in {
			return Value{}, absent, true
		}
	}
	p.ws()
	start := p.i
	if !p.jump() {
		return Value{}, absent, false
	}
	v, err := Parse(p.b[start:p.i])
	if err != nil {
		return Value{}, absent, false
	}
	return v, present, true
}
