package decode

import (
	"strings"
	"testing"
)

// The raw seeker and the decoded walker follow one rule for every path:
// same outcome, same value.
func TestSeekAndWalkAgree(t *testing.T) {
	data := `{"a": {"b": [10, {"c": "x"}], "n": null, "s": "str", "e": {}}, "z": 1}`
	v, err := Parse([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{"", "a", "a.b", "a.b.0", "a.b.1.c", "a.b.2", "a.b.x", "a.n", "a.n.x", "a.s", "a.s.x", "a.e.x", "nope", "nope.x", "z.x"}
	want := map[string]outcome{"a.b.2": absent, "a.b.x": absent, "a.n.x": absent, "a.s.x": scalar, "a.e.x": absent, "nope": absent, "nope.x": absent, "z.x": scalar}
	for _, arrays := range []bool{true, false} {
		for _, p := range paths {
			var path []string
			if p != "" {
				path = strings.Split(p, ".")
			}
			wv, wo := walk(v, path, arrays)
			sv, so, sure := seek([]byte(data), path, arrays)
			if !sure {
				t.Errorf("%s (arrays %v): raw seek unsure on well-formed data", p, arrays)
				continue
			}
			if wo != so || wo == present && string(wv.AppendJSON(nil)) != string(sv.AppendJSON(nil)) {
				t.Errorf("%s (arrays %v): walk %v %v, seek %v %v", p, arrays, wo, wv, so, sv)
			}
			expect, ok := want[p]
			if !ok {
				expect = present
			}
			if !arrays && strings.HasPrefix(p, "a.b.") {
				expect = scalar // an array indexed by name
			}
			if wo != expect {
				t.Errorf("%s (arrays %v): outcome %v, want %v", p, arrays, wo, expect)
			}
		}
	}
}
