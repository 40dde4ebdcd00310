package decode

// PeekEvent reads an event's name without validating or decoding the rest
// of the message: the pre-check that lets a name filter drop an event
// unread. ok is false when the message is not an object whose "event" it
// can find at a glance; the caller then scans it properly with ScanMessage.
func PeekEvent(raw []byte) (name string, ok bool) {
	p := parser{b: raw}
	p.ws()
	if p.i >= len(raw) || raw[p.i] != '{' {
		return "", false
	}
	p.i++
	for {
		p.ws()
		if p.i >= len(raw) || raw[p.i] != '"' {
			return "", false
		}
		start := p.i + 1
		if p.skipStr() != nil {
			return "", false
		}
		key := raw[start : p.i-1]
		p.ws()
		if p.i >= len(raw) || raw[p.i] != ':' {
			return "", false
		}
		p.i++
		p.ws()
		if string(key) == "event" {
			if p.i >= len(raw) || raw[p.i] != '"' {
				return "", false
			}
			s, err := p.internedStr()
			return s, err == nil
		}
		if !p.jump() {
			return "", false
		}
		p.ws()
		if p.i >= len(raw) || raw[p.i] != ',' {
			return "", false
		}
		p.i++
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
