package decode

// AppendCompact appends already-validated JSON with the insignificant
// whitespace removed. Strings are copied untouched, so the result is the same
// JSON value, byte for byte in every string and number.
func AppendCompact(dst, src []byte) []byte {
	inStr, esc := false, false
	start := 0
	for i, c := range src {
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case ' ', '\t', '\n', '\r':
			dst = append(dst, src[start:i]...)
			start = i + 1
		}
	}
	return append(dst, src[start:]...)
}
