package proxy

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzSplit: the framing of client input. Whatever the bytes and however
// they are cut into reads, the values come out the same, in order, each a
// piece of the input with only whitespace between, none past the limit.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{
		`{"execute": "qmp_capabilities"}`,
		"{\"execute\": \"stop\", \"id\": {\"a\": \"}\\\"\"}}\n{\"execute\":\"cont\"}",
		`[1] "x" 12 true }{`,
		`{"a": "\\"}`,
		"  \r\n\t",
		`{{{{{{{{`,
	} {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, chunk uint8) {
		const max = 64
		whole, werr := splitAll(in, len(in)+1, max)
		cut, cerr := splitAll(in, int(chunk%16)+1, max)
		if !reflect.DeepEqual(whole, cut) || (werr == nil) != (cerr == nil) {
			t.Fatalf("%q: in one read %q (%v), in reads of %d %q (%v)", in, whole, werr, chunk%16+1, cut, cerr)
		}
		rest := in
		for _, v := range whole {
			if len(v) == 0 || len(v) > max {
				t.Fatalf("%q: value %q of length %d", in, v, len(v))
			}
			i := bytes.Index(rest, v)
			if i < 0 || len(bytes.TrimLeft(rest[:i], " \t\r\n")) != 0 {
				t.Fatalf("%q: value %q is not the next piece of %q", in, v, rest)
			}
			rest = rest[i+len(v):]
		}
		if werr == nil && json.Valid(in) && len(bytes.TrimSpace(in)) > 0 && (in[firstNonSpace(in)] == '{' || in[firstNonSpace(in)] == '[') {
			if len(whole) != 1 || !bytes.Equal(whole[0], bytes.TrimSpace(in)) {
				t.Fatalf("%q: one JSON value came out as %q", in, whole)
			}
		}
	})
}

func firstNonSpace(b []byte) int {
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// splitAll feeds in to a splitter n bytes at a time.
func splitAll(in []byte, n, max int) (out [][]byte, err error) {
	s := &splitter{max: max}
	for len(in) > 0 {
		k := min(n, len(in))
		s.feed(in[:k])
		in = in[k:]
		for {
			v, err := s.next()
			if err != nil {
				return out, err
			}
			if v == nil {
				break
			}
			out = append(out, v)
		}
	}
	return out, nil
}

// FuzzRewriteID: the id rewriting. A command with any members and any id
// (or none) goes up with exactly the proxy's id and every other member
// unchanged; its reply comes back with exactly the client's id, or none.
func FuzzRewriteID(f *testing.F) {
	f.Add([]byte(`{"execute": "query-status", "id": {"a": [1, "}"]}}`), []byte(`"c1"`))
	f.Add([]byte(`{"id": 1, "execute": "stop", "arguments": {"id": 2}}`), []byte(`12345678901234567890`))
	f.Add([]byte(`{"return": {"id": "x"}}`), []byte(nil))
	f.Add([]byte(`{"\u0069d": 3, "e\"x": []}`), []byte(`null`))
	f.Fuzz(func(t *testing.T, raw, id []byte) {
		if !json.Valid(raw) || (id != nil && !json.Valid(id)) {
			return
		}
		ms, ok := members(raw)
		var orig map[string]json.RawMessage
		// A JSON null unmarshals into a nil map without error: it is no
		// object either.
		if json.Unmarshal(raw, &orig) != nil || orig == nil {
			if ok {
				t.Fatalf("%q: members of a JSON value that is no object", raw)
			}
			return
		}
		if !ok || len(ms) < len(orig) {
			t.Fatalf("%q: members %v of an object", raw, ms)
		}
		out := withID(ms, id)
		var got map[string]json.RawMessage
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%q with id %q: %q is not JSON: %v", raw, id, out, err)
		}
		delete(orig, "id")
		gotID, has := got["id"]
		delete(got, "id")
		if has != (id != nil) || (has && !bytes.Equal(gotID, bytes.TrimSpace(id))) {
			t.Fatalf("%q with id %q: %q", raw, id, out)
		}
		if !reflect.DeepEqual(got, orig) {
			t.Fatalf("%q with id %q: the other members changed: %q", raw, id, out)
		}
	})
}
