package render

import (
	"strings"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// Marks for what the schema does not know (docs/schema.md, "Marked, never
// hidden"): an unknown event's name ends in "?"; a known event's unknown
// members follow its summary as "?member", unknown enum values as
// "?member=value"; with -v the key=value list marks them "member?=value"
// and "member=value?" (a member inside an unknown one is marked too). The Check comes from the schema checker; an event
// that was not checked carries no marks.

// markName is the mark after an event's name.
func markName(ev *decode.Event) string {
	if ev.Check.Unknown {
		return "?"
	}
	return ""
}

// appendMarks appends " ?member ?member=value" for a known event's unknown
// members and values; nothing when there are none.
func appendMarks(dst []byte, ev *decode.Event) []byte {
	ck := ev.Check
	if ck.Unknown {
		return dst
	}
	l := line{d: ev.Data()}
	for _, p := range ck.UnknownFields {
		dst = append(dst, " ?"...)
		dst = AppendSafe(dst, strings.TrimPrefix(p, "data."))
	}
	for _, p := range ck.UnknownValues {
		dst = append(dst, " ?"...)
		short := strings.TrimPrefix(p, "data.")
		dst = AppendSafe(dst, short)
		if v, ok := l.get(short); ok {
			dst = append(dst, '=')
			dst = appendValue(dst, v)
		}
	}
	return dst
}

// appendKVMarked is line.kv of the whole data for -v, with unknown members
// and values marked.
func appendKVMarked(dst []byte, ev *decode.Event) []byte {
	data := ev.Data()
	for i, m := range data.Members {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = appendKVCheck(dst, m.Key, m.Value, &ev.Check)
	}
	return dst
}

func appendKVCheck(dst []byte, key string, v decode.Value, ck *decode.Check) []byte {
	if v.Kind == decode.Object && len(v.Members) > 0 {
		for i, m := range v.Members {
			if i > 0 {
				dst = append(dst, ' ')
			}
			dst = appendKVCheck(dst, key+"."+m.Key, m.Value, ck)
		}
		return dst
	}
	dst = AppendSafe(dst, key)
	path := "data." + key
	if !ck.Unknown && ck.UnknownPath(path) && !isIn(ck.UnknownValues, path) {
		dst = append(dst, '?')
	}
	dst = append(dst, '=')
	dst = appendValue(dst, v)
	if isIn(ck.UnknownValues, path) {
		dst = append(dst, '?')
	}
	return dst
}
