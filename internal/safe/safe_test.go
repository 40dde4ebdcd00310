package safe

import (
	"encoding/json"
	"testing"
)

func TestString(t *testing.T) {
	for in, want := range map[string]string{
		"plain vm-1":            "plain vm-1",
		"evil\x1b]0;PWNED\a":    `evil\x1b]0;PWNED\x07`,
		"csi\u009b2J":           `csi\u009b2J`,
		"ok\u202egpj.exe\u2066": `ok\u202egpj.exe\u2066`,
		"del\x7f bad\xff":       `del\x7f bad\xff`,
		"line\nbreak\ttab":      `line\x0abreak\x09tab`,
		"é ü 日本":                "é ü 日本",
	} {
		if got := String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAppendJSON(t *testing.T) {
	in := "x\u009b2J\u202e\x7f é"
	js, _ := json.Marshal(in) // encoding/json leaves C1 and bidi raw
	out := AppendJSON(nil, js)
	if want := `"x\u009b2J\u202e\u007f é"`; string(out) != want {
		t.Errorf("got %s, want %s", out, want)
	}
	var back string
	if err := json.Unmarshal(out, &back); err != nil || back != in {
		t.Errorf("decoded %q, %v; want %q", back, err, in)
	}
}
