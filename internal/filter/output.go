package filter

import "github.com/itchyny/gojq"

// AppendResult appends one --jq result and a newline: a string as its raw
// text, anything else as compact JSON (integers exact, also beyond 2^53).
// A string is raw: the caller escapes it when the output is a terminal.
func AppendResult(dst []byte, v any) []byte {
	if s, ok := v.(string); ok {
		dst = append(dst, s...)
	} else {
		// gojq.Marshal writes every value jq produces: nil, bool, int,
		// float64, *big.Int, string, []any and map[string]any.
		text, _ := gojq.Marshal(v)
		dst = append(dst, text...)
	}
	return append(dst, '\n')
}
