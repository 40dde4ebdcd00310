package decode

import (
	"strings"
	"testing"
)

func TestBuiltinParses(t *testing.T) {
	if err := BuiltinError(); err != nil {
		t.Fatalf("builtin catalog: %v", err)
	}
	c := Builtin()
	if n := len(c.Events()); n < 60 {
		t.Errorf("catalog has %d events, want at least 60", n)
	}
	for i, e := range c.Events() {
		if i > 0 && c.Events()[i-1].Name >= e.Name {
			t.Errorf("events not sorted at %s", e.Name)
		}
		if e.Doc == "" || strings.Contains(e.Doc, "\n") {
			t.Errorf("%s: doc must be one line", e.Name)
		}
		if !e.Own && !e.Since.Known() {
			t.Errorf("%s: no since", e.Name)
		}
		for _, f := range e.Fields {
			if f.Doc == "" {
				t.Errorf("%s.%s: no doc", e.Name, f.Name)
			}
		}
		for _, fu := range e.FollowUps {
			if c.Lookup(fu.Then) == nil {
				t.Errorf("%s: follow-up %s is not in the catalog", e.Name, fu.Then)
			}
		}
	}
}

func TestParseCatalogYAMLRejectsStrayKeys(t *testing.T) {
	_, err := ParseCatalogYAML(map[string][]byte{"x.yaml": []byte(`
events:
  - name: X
    doc: d
    fields:
      - {name: a, type: str, doc: one, two}
`)})
	if err == nil || !strings.Contains(err.Error(), `unknown key "two"`) {
		t.Errorf("err = %v, want unknown key", err)
	}
}

// BLOCK_IO_ERROR's exception for action stop came with QEMU 10.2.2, a
// stable release, years after the event: it says so, per version.
func TestRateLimitExceptionVersions(t *testing.T) {
	e := Builtin().Lookup("BLOCK_IO_ERROR")
	if e == nil || len(e.RateLimit.Except) != 1 || e.RateLimit.Per != "qom-path" {
		t.Fatalf("BLOCK_IO_ERROR rate limit: %+v", e)
	}
	x := e.RateLimit.Except[0]
	for _, c := range []struct {
		qemu Version
		in   bool
	}{{v("10.0.0"), false}, {v("10.2.0"), false}, {v("10.2.2"), true}, {v("11.0.0"), true}, {Version{}, true}} {
		if got := x.In(c.qemu); got != c.in {
			t.Errorf("%s in QEMU %s: %v, want %v", x.When, c.qemu, got, c.in)
		}
	}
	if !e.RateLimitedIn(v("10.2.2")) || e.RateLimitedIn(v("9.2.0")) {
		t.Error("BLOCK_IO_ERROR is throttled from 10.0 on (report and ignore still are)")
	}
}
