// Package safe escapes text for a terminal. It is the one escaper every
// package uses for strings that came from outside qmpwatch (a monitor's
// replies and events, socket names, log files), so that none of them can
// move the cursor, set the window title, recolour or reorder what a user
// sees. It has no dependencies, so that conn, source and decode can use it.
package safe

import "unicode/utf8"

// Append appends s for a terminal: control characters (C0, DEL, C1),
// Unicode bidirectional controls and invalid UTF-8 are written as escapes
// like \x1b, \u009b or \u202e; everything else is copied.
func Append(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = appendHex(dst, c)
		case r < 0x20 || r == 0x7f:
			dst = appendHex(dst, byte(r))
		case r >= 0x80 && r < 0xa0:
			dst = AppendU(dst, r)
		case IsBidiControl(r):
			dst = AppendU(dst, r)
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}

// String is Append for a string; s itself when nothing needs escaping.
func String(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return string(Append(nil, s))
		}
	}
	return s
}

// IsBidiControl reports the characters that reorder text on screen: the
// Arabic letter mark, LRM/RLM, the embeddings and overrides U+202A–U+202E
// and the isolates U+2066–U+2069.
func IsBidiControl(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// NeedsJSONEscape reports the runes that JSON allows raw but a terminal acts
// on: DEL, the C1 controls and the bidi controls. JSON writers escape them
// as \u00XX so that JSON output is safe on a terminal and decodes the same.
func NeedsJSONEscape(r rune) bool {
	return r == 0x7f || (r >= 0x80 && r < 0xa0) || IsBidiControl(r)
}

const hexd = "0123456789abcdef"

func appendHex(dst []byte, c byte) []byte {
	return append(dst, '\\', 'x', hexd[c>>4], hexd[c&0xf])
}

// AppendU appends r (at most U+FFFF) as a \uXXXX escape.
func AppendU(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexd[r>>12&0xf], hexd[r>>8&0xf], hexd[r>>4&0xf], hexd[r&0xf])
}

// AppendJSON appends JSON text with the characters a terminal would act on
// that JSON allows raw (DEL, C1 controls, bidi controls) written as \u
// escapes. The result is the same JSON value. Invalid UTF-8 becomes \ufffd,
// as a JSON decoder would read it. Outside strings valid JSON is ASCII, so
// the whole text can be passed.
func AppendJSON(dst, js []byte) []byte {
	for i := 0; i < len(js); {
		c := js[i]
		if c < utf8.RuneSelf {
			if c == 0x7f {
				dst = AppendU(dst, 0x7f)
			} else {
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(js[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = AppendU(dst, utf8.RuneError)
		case NeedsJSONEscape(r):
			dst = AppendU(dst, r)
		default:
			dst = append(dst, js[i:i+size]...)
		}
		i += size
	}
	return dst
}
