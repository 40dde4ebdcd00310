package fleet

import (
	"strings"
	"testing"
)

func TestEscapeExamples(t *testing.T) {
	for name, want := range map[string]string{
		"web1":      "web1",
		"web.1":     "web%2E1",
		"a b":       "a%20b",
		"*":         "%2A",
		">":         "%3E",
		"100%":      "100%25",
		"":          "%",
		"db-1_x:9":  "db-1_x:9",
		"é":         "%C3%A9",
		"tab\there": "tab%09here",
	} {
		if got := Escape(name); got != want {
			t.Errorf("Escape(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestUnescapeRefusesForeignTokens(t *testing.T) {
	for _, tok := range []string{"", "a%2", "a%2e", "a%41", "a b", "a%zz", "x*"} {
		if got, err := Unescape(tok); err == nil {
			t.Errorf("Unescape(%q) = %q, want an error", tok, got)
		}
	}
}

// FuzzEscape: every name survives the round trip and becomes one token
// NATS accepts (no '.', '*', '>', white space or control bytes, not empty).
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "web.1", "a b", "*", ">", "%", "%25", "\x00", "é", "a.b.c*>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		tok := Escape(name)
		if tok == "" || strings.ContainsAny(tok, ".*> \t\r\n") {
			t.Fatalf("Escape(%q) = %q: not a valid token", name, tok)
		}
		for i := 0; i < len(tok); i++ {
			if tok[i] < 0x21 || tok[i] > 0x7e {
				t.Fatalf("Escape(%q) = %q: byte %#x", name, tok, tok[i])
			}
		}
		back, err := Unescape(tok)
		if err != nil || back != name {
			t.Fatalf("Unescape(Escape(%q)) = %q, %v", name, back, err)
		}
		h, v, e, err := ParseSubject(Subject(name, name+".x", "STOP"))
		if err != nil || h != name || v != name+".x" || e != "STOP" {
			t.Fatalf("ParseSubject(Subject(%q)) = %q %q %q %v", name, h, v, e, err)
		}
	})
}

func TestFilterSubject(t *testing.T) {
	cases := []struct {
		sel  Selection
		want string
	}{
		{Selection{}, "qmp.>"},
		{Selection{Host: "*"}, "qmp.>"},
		{Selection{Host: "db-1"}, "qmp.db-1.*.*"},
		{Selection{Host: "db-*"}, "qmp.>"},
		{Selection{Host: "h.1", VM: "vm 1"}, "qmp.h%2E1.vm%201.*"},
		{Selection{Events: []string{"stop"}}, "qmp.*.*.STOP"},
		{Selection{Events: []string{"STOP", "RESUME"}}, "qmp.>"},
		{Selection{Events: []string{"BLOCK_*"}}, "qmp.>"},
		{Selection{Host: "a", Events: []string{"SHUTDOWN"}}, "qmp.a.*.SHUTDOWN"},
	}
	for _, c := range cases {
		if got := c.sel.FilterSubject(); got != c.want {
			t.Errorf("%+v: FilterSubject = %q, want %q", c.sel, got, c.want)
		}
	}
	s := Selection{Host: "db-*", VM: "vm?"}
	if !s.Match("db-7", "vm1") || s.Match("web-1", "vm1") || s.Match("db-7", "vm10") {
		t.Error("Match does not apply the globs")
	}
	if err := (Selection{Host: "["}).Validate(); err == nil {
		t.Error("a bad --host glob passed Validate")
	}
}
