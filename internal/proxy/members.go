package proxy

import (
	"bytes"
	"encoding/json"
)

// member is one top-level member of a JSON object, as bytes of the
// original message: the proxy rewrites "id" and keeps everything else
// exactly as the sender wrote it (numbers, escapes, key order).
type member struct {
	key   string // the key, unescaped
	whole []byte // "key": value
	value []byte
}

// members splits a JSON object into its top-level members. raw must be
// valid JSON (json.Valid); ok is false when it is not an object.
func members(raw []byte) (ms []member, ok bool) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil, false
	}
	i = skipSpace(raw, i+1)
	for i < len(raw) && raw[i] != '}' {
		start := i
		end := skipValue(raw, i) // the key, a string
		var key string
		if json.Unmarshal(raw[start:end], &key) != nil {
			return nil, false
		}
		i = skipSpace(raw, end)
		i = skipSpace(raw, i+1) // the colon
		vstart := i
		i = skipValue(raw, i)
		ms = append(ms, member{key: key, whole: raw[start:i], value: raw[vstart:i]})
		i = skipSpace(raw, i)
		if i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	return ms, true
}

// skipValue returns the index just past the valid JSON value at i.
func skipValue(raw []byte, i int) int {
	depth, inStr, esc := 0, false, false
	for ; i < len(raw); i++ {
		c := raw[i]
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
				if depth == 0 {
					return i + 1
				}
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
			if depth < 0 {
				return i // the end of the enclosing object: a scalar ended
			}
		case ',', ' ', '\n', '\r', '\t':
			if depth == 0 {
				return i
			}
		}
	}
	return i
}

func skipSpace(raw []byte, i int) int {
	for i < len(raw) && isSpace(raw[i]) {
		i++
	}
	return i
}

// withID rebuilds an object from its members without "id" and, when id is
// not nil, with "id": id at the end. It is how a command gets the proxy's
// id on the way up and its reply the client's own id on the way back.
func withID(ms []member, id []byte) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	for _, m := range ms {
		if m.key == "id" {
			continue
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		b.Write(m.whole)
	}
	if id != nil {
		if !first {
			b.WriteString(", ")
		}
		b.WriteString(`"id": `)
		b.Write(id)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// lookup returns the value of the last member named key (QEMU's parser
// keeps the last of duplicate keys too), or nil.
func lookup(ms []member, key string) []byte {
	var v []byte
	for _, m := range ms {
		if m.key == key {
			v = m.value
		}
	}
	return v
}
