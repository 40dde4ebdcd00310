package decode

import (
	"unicode/utf8"

	"github.com/qmpwatch/qmpwatch/internal/safe"
)

const hexDigits = "0123456789abcdef"

// AppendQuote appends s as a JSON string. It escapes what JSON requires
// (quote, backslash, control characters), invalid UTF-8 (as \ufffd), and
// the characters JSON allows raw but a terminal acts on (DEL, C1 controls,
// bidi controls, as \u escapes), so the string decodes to the text QEMU sent
// and is safe wherever the JSON ends up.
func AppendQuote(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < 0x7f {
			i++
			continue
		}
		if c < utf8.RuneSelf && c != 0x7f {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if safe.NeedsJSONEscape(r) {
			dst = append(dst, s[start:i]...)
			dst = safe.AppendU(dst, r)
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
