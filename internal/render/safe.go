package render

import "github.com/qmpwatch/qmpwatch/internal/safe"

// AppendSafe appends s for a terminal: control characters (C0, DEL, C1) and
// Unicode bidirectional overrides are written as escapes like \x1b or
// \u202e, so a string from the wire (a VNC sasl_username, say) cannot move
// the cursor, recolour or reorder what the user sees. It is safe.Append.
func AppendSafe(dst []byte, s string) []byte { return safe.Append(dst, s) }

// appendJSONSafe appends JSON text with the characters a terminal would act
// on, which JSON allows raw (DEL, C1 controls, bidi overrides), written as
// \u escapes (safe.AppendJSON).
func appendJSONSafe(dst, js []byte) []byte { return safe.AppendJSON(dst, js) }

// appendOutputSafe is the last pass over template output: it escapes every
// control character except newline and tab, keeping only the colour (SGR)
// sequences qmpwatch itself wrote when colour is on.
func appendOutputSafe(dst, out []byte, keepSGR bool) []byte {
	for i := 0; i < len(out); {
		c := out[i]
		if c == '\n' || c == '\t' {
			dst = append(dst, c)
			i++
			continue
		}
		if c == 0x1b && keepSGR {
			if n := sgrLen(out[i:]); n > 0 {
				dst = append(dst, out[i:i+n]...)
				i += n
				continue
			}
		}
		j := i + 1
		for j < len(out) && out[j] != '\n' && out[j] != '\t' && out[j] != 0x1b {
			j++
		}
		dst = AppendSafe(dst, string(out[i:j]))
		i = j
	}
	return dst
}

// sgrLen is the length of the SGR sequence ESC [ digits;... m at b's start,
// or 0 when b does not start with one.
func sgrLen(b []byte) int {
	if len(b) < 3 || b[0] != 0x1b || b[1] != '[' {
		return 0
	}
	for i := 2; i < len(b); i++ {
		switch c := b[i]; {
		case c == 'm':
			return i + 1
		case c == ';' || (c >= '0' && c <= '9'):
		default:
			return 0
		}
	}
	return 0
}
