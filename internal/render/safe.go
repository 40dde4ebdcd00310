package render

import (
	"unicode/utf8"
)

// AppendSafe appends s for a terminal: control characters (C0, DEL, C1) and
// Unicode bidirectional overrides are written as escapes like \x1b or
// \u202e, so a string from the wire (a VNC sasl_username, say) cannot move
// the cursor, recolour or reorder what the user sees.
func AppendSafe(dst []byte, s string) []byte {
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
			dst = appendU(dst, r)
		case isBidiControl(r):
			dst = appendU(dst, r)
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}

// Safe is AppendSafe for a string.
func Safe(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return string(AppendSafe(nil, s))
		}
	}
	return s
}

func isBidiControl(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

const hexd = "0123456789abcdef"

func appendHex(dst []byte, c byte) []byte {
	return append(dst, '\\', 'x', hexd[c>>4], hexd[c&0xf])
}

func appendU(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexd[r>>12&0xf], hexd[r>>8&0xf], hexd[r>>4&0xf], hexd[r&0xf])
}
