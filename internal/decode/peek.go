package decode

// PeekEvent reads an event's name, and finds its raw "data" (nil when
// absent), without validating or decoding the message: the pre-check that
// lets filters drop an event unread. ok is false when the message is not an
// object whose members it can step through at a glance; the caller then
// scans it properly with ScanMessage.
//
// data starts at the data value but may run on past it to the end of the
// message (once the name is known, the rest is not read): whoever reads it
// must read only its first value, as LookupRaw does.
func PeekEvent(raw []byte) (name string, data []byte, ok bool) {
	p := parser{b: raw}
	p.ws()
	if p.i >= len(raw) || raw[p.i] != '{' {
		return "", nil, false
	}
	p.i++
	for {
		p.ws()
		if p.i < len(raw) && raw[p.i] == '}' {
			return name, data, name != ""
		}
		if p.i >= len(raw) || raw[p.i] != '"' {
			return "", nil, false
		}
		start := p.i + 1
		if p.skipStr() != nil {
			return "", nil, false
		}
		key := raw[start : p.i-1]
		p.ws()
		if p.i >= len(raw) || raw[p.i] != ':' {
			return "", nil, false
		}
		p.i++
		p.ws()
		vstart := p.i
		switch string(key) {
		case "event":
			if p.i >= len(raw) || raw[p.i] != '"' {
				return "", nil, false
			}
			s, err := p.internedStr()
			if err != nil {
				return "", nil, false
			}
			name = s
		case "data":
			if name != "" {
				return name, raw[vstart:], true
			}
			if !p.jump() {
				return "", nil, false
			}
			data = raw[vstart:p.i]
		default:
			if !p.jump() {
				return "", nil, false
			}
		}
		p.ws()
		if p.i < len(raw) && raw[p.i] == ',' {
			p.i++
		}
	}
}

// jump steps over one value by its brackets and quotes alone, without
// checking it: PeekEvent only needs to get past members like "timestamp".
func (p *parser) jump() bool {
	if p.i >= len(p.b) {
		return false
	}
	switch p.b[p.i] {
	case '"':
		return p.skipStr() == nil
	case '{', '[':
		depth := 0
		for p.i < len(p.b) {
			switch p.b[p.i] {
			case '"':
				if p.skipStr() != nil {
					return false
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					p.i++
					return true
				}
			}
			p.i++
		}
		return false
	}
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return true
		}
		p.i++
	}
	return false
}
