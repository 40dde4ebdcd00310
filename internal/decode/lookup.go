package decode

import "strconv"

// Lookup returns the value at path inside the event's data (member names,
// or array indexes in decimal), without decoding the rest of the data: a
// --where filter on a million events reads one member of each, not all.
// Only where the raw read is unsure is the whole data decoded.
func (e *Event) Lookup(path []string) (Value, bool) {
	if !e.decoded && e.DataRaw != nil {
		if v, found, sure := LookupRaw(e.DataRaw, path); sure {
			return v, found
		}
	}
	return e.Data().At(path)
}

// LookupRaw finds the value at path in raw data without decoding anything
// else and without trusting it: only the first JSON value in data is read,
// and sure is false wherever it cannot tell (escaped names, malformed
// input), so that a filter never drops what it did not understand. It
// walks as At does (walk.go).
func LookupRaw(data []byte, path []string) (v Value, found, sure bool) {
	v, o, sure := seek(data, path, true)
	return v, o == present, sure
}

// seekMember moves to the value of member key of the object at p.i. ok is
// false for what it does not handle (escaped names).
func (p *parser) seekMember(key string) (found, ok bool) {
	p.i++
	for {
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] == '}' {
			return false, true
		}
		if p.b[p.i] == ',' {
			p.i++
			continue
		}
		if p.b[p.i] != '"' {
			return false, false
		}
		start := p.i + 1
		if p.skipStr() != nil {
			return false, false
		}
		name := p.b[start : p.i-1]
		for _, c := range name {
			if c == '\\' {
				return false, false
			}
		}
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return false, false
		}
		p.i++
		p.ws()
		if string(name) == key {
			return true, true
		}
		if !p.jump() {
			return false, false
		}
	}
}

// seekItem moves to element idx of the array at p.i.
func (p *parser) seekItem(idx string) (found, ok bool) {
	n, err := strconv.Atoi(idx)
	if err != nil || n < 0 {
		return false, true
	}
	p.i++
	for i := 0; ; i++ {
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] == ']' {
			return false, true
		}
		if i == n {
			return true, true
		}
		if !p.jump() {
			return false, false
		}
		p.ws()
		if p.i < len(p.b) && p.b[p.i] == ',' {
			p.i++
		}
	}
}

// At follows path (member names, or array indexes in decimal) down from v;
// false when nothing is there (walk.go).
func (v Value) At(path []string) (Value, bool) {
	v, o := walk(v, path, true)
	return v, o == present
}
