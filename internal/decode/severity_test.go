package decode

import (
	"strings"
	"testing"
)

// A severity: key is checked when the catalog loads: known levels only,
// and each case names a member the event has or an event it follows.
func TestParseSeverity(t *testing.T) {
	const head = "events:\n  - name: E\n    doc: d\n    fields:\n      - {name: action, type: str, doc: a}\n    severity: "
	cases := []struct{ yaml, err string }{
		{"warn", ""},
		{"{is: info, when: [{field: action, equals: stop, is: error}, {after: X, is: warn}]}", ""},
		{"loud", `level "loud" is not one of`},
		{"{is: info, when: [{field: nope, equals: x, is: warn}]}", `unknown field "nope"`},
		{"{is: info, when: [{field: action, equals: x, after: X, is: warn}]}", "either field or after"},
		{"{is: info, when: [{after: X, is: fatal}]}", `level "fatal"`},
		{"{is: info, whenever: []}", `unknown key "whenever"`},
	}
	for _, c := range cases {
		cat, err := ParseCatalogYAML(map[string][]byte{"x.yaml": []byte(head + c.yaml + "\n")})
		if c.err == "" {
			if err != nil {
				t.Errorf("%s: %v", c.yaml, err)
			} else if cat.Lookup("E").Severity.Level == "" {
				t.Errorf("%s: no level", c.yaml)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: error %v, want %q", c.yaml, err, c.err)
		}
	}
}
