package decode

import (
	"math/big"
	"strconv"
)

// Kind is the JSON type of a Value.
type Kind uint8

// The JSON kinds. Null is the zero Kind, so a zero Value is JSON null.
const (
	Null Kind = iota
	Bool
	Number
	String
	Object
	Array
)

var kindNames = [...]string{"null", "bool", "number", "string", "object", "array"}

func (k Kind) String() string { return kindNames[k] }

// Value is a JSON value that keeps what a generic decoder loses: object members
// stay in the order QEMU sent them, and numbers stay as their literal text, so a
// 64-bit size or a negative connection-id is printed exactly as it arrived.
type Value struct {
	Text    string   // String: the unescaped text; Number: the literal as received
	Members []Member // Object: the members in wire order
	Items   []Value  // Array: the elements
	Kind    Kind
	True    bool // Bool: the value
	// Kind and True last: they share one word, where first they took two
	// (every event's data is a tree of these).
}

// Member is one name/value pair of an object.
type Member struct {
	Key   string
	Value Value
}

// Get returns the member named key of an object.
func (v Value) Get(key string) (Value, bool) {
	if v.Kind != Object {
		return Value{}, false
	}
	for i := range v.Members {
		if v.Members[i].Key == key {
			return v.Members[i].Value, true
		}
	}
	return Value{}, false
}

// Path follows member names through nested objects.
func (v Value) Path(keys ...string) (Value, bool) {
	v, o := walk(v, keys, false)
	return v, o == present
}

// Str returns the member key as a string, or "" when it is missing or not a
// string. Renderers use it for summaries, where a missing value reads as empty.
func (v Value) Str(key string) string {
	m, ok := v.Get(key)
	if !ok || m.Kind != String {
		return ""
	}
	return m.Text
}

// Truthy reports jq's notion of truth: everything except null and false.
func (v Value) Truthy() bool {
	return !(v.Kind == Null || (v.Kind == Bool && !v.True))
}

// Int64 returns a Number as an int64 when it is an integer that fits.
func (v Value) Int64() (int64, bool) {
	if v.Kind != Number {
		return 0, false
	}
	n, err := strconv.ParseInt(v.Text, 10, 64)
	return n, err == nil
}

// Rat returns a Number as an exact rational, for comparisons beyond 2^53.
func (v Value) Rat() (*big.Rat, bool) {
	if v.Kind != Number {
		return nil, false
	}
	return new(big.Rat).SetString(v.Text)
}

// String returns the value as compact JSON.
func (v Value) String() string { return string(v.AppendJSON(nil)) }

// AppendJSON appends the value as compact JSON, numbers as received.
func (v Value) AppendJSON(dst []byte) []byte {
	switch v.Kind {
	case Null:
		return append(dst, "null"...)
	case Bool:
		if v.True {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case Number:
		return append(dst, v.Text...)
	case String:
		return AppendQuote(dst, v.Text)
	case Array:
		dst = append(dst, '[')
		for i, it := range v.Items {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = it.AppendJSON(dst)
		}
		return append(dst, ']')
	default:
		dst = append(dst, '{')
		for i, m := range v.Members {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendQuote(dst, m.Key)
			dst = append(dst, ':')
			dst = m.Value.AppendJSON(dst)
		}
		return append(dst, '}')
	}
}

// Interface converts the value to the plain Go form gojq works on: maps,
// slices, strings, bools, nil, and numbers as int, *big.Int (integers beyond
// int) or float64, so jq sees exact integers too.
func (v Value) Interface() any {
	switch v.Kind {
	case Bool:
		return v.True
	case Number:
		return numberInterface(v.Text)
	case String:
		return v.Text
	case Array:
		a := make([]any, len(v.Items))
		for i, it := range v.Items {
			a[i] = it.Interface()
		}
		return a
	case Object:
		m := make(map[string]any, len(v.Members))
		for _, mb := range v.Members {
			m[mb.Key] = mb.Value.Interface()
		}
		return m
	}
	return nil
}

func numberInterface(lit string) any {
	if n, err := strconv.ParseInt(lit, 10, 64); err == nil {
		return int(n)
	}
	if isIntegerLiteral(lit) {
		if b, ok := new(big.Int).SetString(lit, 10); ok {
			return b
		}
	}
	f, _ := strconv.ParseFloat(lit, 64)
	return f
}

func isIntegerLiteral(lit string) bool {
	for i := 0; i < len(lit); i++ {
		c := lit[i]
		if !(c >= '0' && c <= '9' || (i == 0 && c == '-')) {
			return false
		}
	}
	return lit != "" && lit != "-"
}
