package decode

// Index follows path through the event object as jq's .a.b does: the top
// level has event, data, timestamp and vm (what Object gives jq). A member
// missing along the way, or a null, gives null; ok is false only where jq
// would fail (indexing a string, number, bool or array by name) or where
// the raw shortcut does not apply, and the caller should ask jq itself.
func (e *Event) Index(path []string) (v Value, ok bool) {
	if len(path) == 0 {
		return Value{}, false
	}
	switch path[0] {
	case "event":
		return Value{Kind: String, Text: e.Name}, len(path) == 1 // a string has no members
	case "vm":
		if e.VM == "" {
			return Value{}, true // null, and null.x is null too
		}
		return Value{Kind: String, Text: e.VM}, len(path) == 1
	case "timestamp":
		return Value{}, false // rare in filters: let jq do it
	case "data":
		if e.DataRaw == nil {
			return Value{}, true
		}
	default:
		return Value{}, true
	}
	if e.decoded {
		return indexValue(e.data, path[1:])
	}
	p := parser{b: e.DataRaw}
	for _, k := range path[1:] {
		p.ws()
		if p.i >= len(p.b) {
			return Value{}, false
		}
		switch p.b[p.i] {
		case '{':
			found, ok := p.seekMember(k)
			if !ok {
				return Value{}, false
			}
			if !found {
				return Value{}, true
			}
		case 'n':
			return Value{}, true
		default:
			return Value{}, false
		}
	}
	start := p.i
	if !p.jump() {
		return Value{}, false
	}
	v, err := Parse(p.b[start:p.i])
	return v, err == nil
}

func indexValue(v Value, path []string) (Value, bool) {
	for _, k := range path {
		switch v.Kind {
		case Null:
			return Value{}, true
		case Object:
			m, ok := v.Get(k)
			if !ok {
				return Value{}, true
			}
			v = m
		default:
			return Value{}, false
		}
	}
	return v, true
}
