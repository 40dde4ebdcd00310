package render

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/testkit/conntest"
)

func scanEvent(t *testing.T, raw, vm string) *decode.Event {
	t.Helper()
	m, err := decode.ScanMessage([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return decode.NewEvent(&m, vm)
}

// Item 6: JSON output keeps C1 and bidi characters JSON-escaped, in the data
// and in "vm", and the decoded value stays exact.
func TestHostileJSONEscapesC1AndBidi(t *testing.T) {
	evil := conntest.CSI8 + conntest.BidiSpoof + "\x7f"
	raw := `{"event": "VNC_CONNECTED", "data": {"client": {"host": ` + conntest.JSONString(evil) + `}}, "timestamp": {"seconds": 1, "microseconds": 2}}`
	for _, vm := range []string{"vm\u009b2J", ""} {
		ev := scanEvent(t, raw, vm)
		out, err := JSON{}.Render(nil, ev)
		if err != nil {
			t.Fatal(err)
		}
		if bad := conntest.RawTerminalBytes(string(out)); bad != "" {
			t.Errorf("raw %q in %s", bad, out)
		}
		if !strings.Contains(string(out), `\u009b`) {
			t.Errorf("no \\u009b in %s", out)
		}
		var back struct {
			Data struct{ Client struct{ Host string } }
			VM   string
		}
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatal(err)
		}
		if back.Data.Client.Host != evil || back.VM != vm {
			t.Errorf("decoded %q/%q, want %q/%q", back.Data.Client.Host, back.VM, evil, vm)
		}
	}
	// A replayed qmpwatch line whose "vm" QEMU escaped as \u009b stays so.
	ev := scanEvent(t, `{"event":"STOP","timestamp":{"seconds":1,"microseconds":2},"vm":"a\u009bb"}`, "")
	out, _ := JSON{}.Render(nil, ev)
	if bad := conntest.RawTerminalBytes(string(out)); bad != "" || !ev.HasVM {
		t.Errorf("raw %q in %s", bad, out)
	}
	// decode.AppendQuote (status, sessions and jobs records) escapes them too.
	q := string(decode.AppendQuote(nil, evil))
	var s string
	if err := json.Unmarshal([]byte(q), &s); err != nil || s != evil || conntest.RawTerminalBytes(q) != "" {
		t.Errorf("AppendQuote(%q) = %s", evil, q)
	}
}

// Item 17: --annotate never adds a second "cause".
func TestHostileAnnotateNoDuplicateCause(t *testing.T) {
	ev := scanEvent(t, `{"event":"STOP","timestamp":{"seconds":1,"microseconds":2},"vm":"a","cause":"write error on ide0-hd1"}`, "")
	ev.Cause = "write error on ide0-hd1"
	out, _ := JSON{Annotate: true}.Render(nil, ev)
	if n := strings.Count(string(out), `"cause"`); n != 1 {
		t.Errorf("%d cause members: %s", n, out)
	}
	ev = scanEvent(t, `{"event":"STOP","timestamp":{"seconds":1,"microseconds":2}}`, "a")
	ev.Cause = "write error"
	out, _ = JSON{Annotate: true}.Render(nil, ev)
	if n := strings.Count(string(out), `"cause"`); n != 1 {
		t.Errorf("%d cause members: %s", n, out)
	}
}

// Item 7: data keys are escaped as values are, so {{.Data}} cannot forge
// a line (or a title) with a key.
func TestHostileTemplateKeysEscaped(t *testing.T) {
	r, err := New(Options{Format: "template", Template: "{{.VM}} {{.Data}}"})
	if err != nil {
		t.Fatal(err)
	}
	raw := `{"event":"X","timestamp":{"seconds":1,"microseconds":2},"data":{"a\nvm2 FORGED":1,` + conntest.JSONString("k"+conntest.TitleSpoof) + `:2}}`
	out, err := r.Render(nil, scanEvent(t, raw, "vm1"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(out), "\n") != 1 || conntest.RawTerminalBytes(string(out)) != "" {
		t.Errorf("forged output: %q", out)
	}
}
