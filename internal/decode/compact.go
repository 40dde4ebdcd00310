package decode

import "bytes"

// AppendCompact appends already-validated JSON with the insignificant
// whitespace removed. Strings are copied untouched, so the result is the same
// JSON value, byte for byte in every string and number.
//
// It runs on every line -o json writes, so it moves through strings (most
// of an event's bytes) by searching for the closing quote, and copies runs
// between spaces whole.
func AppendCompact(dst, src []byte) []byte {
	start := 0 // the first byte not yet copied
	i := 0
	for i < len(src) {
		switch src[i] {
		case '"':
			i = strEnd(src, i+1)
		case ' ', '\t', '\n', '\r':
			dst = append(dst, src[start:i]...)
			i++
			start = i
		default:
			i++
		}
	}
	return append(dst, src[start:]...)
}

// strEnd returns the index just past the closing quote of the string whose
// contents start at i (or len(b) when it is unterminated).
func strEnd(b []byte, i int) int {
	for {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return len(b)
		}
		// The quote closes the string unless an odd run of backslashes
		// stands right before it.
		k := i + j
		n := 0
		for k-n-1 >= i && b[k-n-1] == '\\' {
			n++
		}
		if n%2 == 0 {
			return k + 1
		}
		i = k + 1
	}
}
