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
	var o outcome
	if e.decoded {
		v, o = walk(e.data, path[1:], false)
	} else {
		var sure bool
		if v, o, sure = seek(e.DataRaw, path[1:], false); !sure {
			return Value{}, false
		}
	}
	// jq: a missing member or a null on the way gives null; indexing a
	// scalar or an array by name is an error, which jq itself reports.
	return v, o != scalar
}
