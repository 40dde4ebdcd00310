package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// No raw control byte from the wire reaches the terminal formats without
// colour; the JSON format keeps the exact strings as JSON escapes.
func TestHostileStringsEscaped(t *testing.T) {
	for _, o := range []Options{ // each prints its line; table a header first
		{Format: "pretty", ShowVM: true, Verbose: true},
		{Format: "table", ShowVM: true},
		{Format: "template", Template: `{{.VM}} {{.Data.client.sasl_username}} {{.Data.client}} {{.Summary}} {{.Raw}} {{json .Data}} {{upper .Data.client.sasl_username}}`},
	} {
		o.Palette = NewPalette(false)
		r, err := New(o)
		if err != nil {
			t.Fatal(err)
		}
		out, err := r.Render(nil, hostileEvent(t))
		if err != nil {
			t.Fatal(err)
		}
		body := bytes.TrimSuffix(out, []byte("\n"))
		if o.Format == "table" {
			_, body, _ = bytes.Cut(body, []byte("\n"))
		}
		for _, bad := range []string{"\x1b", "\r", "\b", "\x07", "\u009b", "\u202e", "\n"} {
			if bytes.Contains(body, []byte(bad)) {
				t.Errorf("%s output holds raw %q: %q", o.Format, bad, out)
			}
		}
		if !bytes.Contains(out, []byte(`\x1b[2J`)) {
			t.Errorf("%s output does not show the escape: %q", o.Format, out)
		}
	}
	out, _ := JSON{}.Render(nil, hostileEvent(t))
	var v struct {
		VM   string
		Data struct {
			Client struct {
				Sasl string `json:"sasl_username"`
			}
		}
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatal(err)
	}
	if v.Data.Client.Sasl != "\x1b[2J\x1b[31mroot\r\b\u009b1A\u202etxt.exe" || v.VM != "vm\x1b]0;pwned\x07" {
		t.Errorf("json changed the strings: %q %q", v.Data.Client.Sasl, v.VM)
	}
}

func TestTemplate(t *testing.T) {
	ev := recorded(t, "guest.qmp")[1] // RTC_CHANGE, offset 43200
	tests := []struct {
		tmpl, want string
		colour     bool
	}{
		{`{{.Event}} {{.Data.offset}} {{duration .Data.offset}}`, "RTC_CHANGE 43200 12h0m0s\n", false},
		{`{{if eq .Data.offset 43200}}{{lower .Event}}{{end}}`, "rtc_change\n", false},
		{`{{if eq .Event "STOP"}}x{{end}}`, "", false},
		{`{{color "red" .Event}}`, "RTC_CHANGE\n", false},
		{`{{color "red" .Event}}`, "\x1b[31;1mRTC_CHANGE\x1b[0;22m\n", true},
		{`{{color .Kind .Event}}|{{pad 6 .Kind}}|{{size 1536}}`, "RTC_CHANGE|plain |1.5 KiB\n", true},
		{"{{.Event}}\n\n", "RTC_CHANGE\n\n", false},
		{`{{json .Data}}`, `{"offset":43200,"qom-path":"/machine/unattached/device[9]"}` + "\n", false},
	}
	for _, tt := range tests {
		r, err := New(Options{Format: "template", Template: tt.tmpl, Palette: NewPalette(tt.colour)})
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Render(nil, ev)
		if err != nil {
			t.Fatalf("%s: %v", tt.tmpl, err)
		}
		if string(got) != tt.want {
			t.Errorf("%s: got %q, want %q", tt.tmpl, got, tt.want)
		}
	}
}

func TestTemplateErrors(t *testing.T) {
	for _, tmpl := range []string{"", "{{.Event", "{{nosuch .Event}}"} {
		if _, err := New(Options{Format: "template", Template: tmpl}); err == nil {
			t.Errorf("template %q: no error", tmpl)
		}
	}
	// A field no event has fails at New, naming the fields there are.
	for _, tmpl := range []string{"{{.Nope}}", "{{.Event}} {{.Vm}}", "{{.Data.x.y}}{{.Evnt}}"} {
		_, err := New(Options{Format: "template", Template: tmpl})
		if err == nil || !strings.Contains(err.Error(), "an event has .Time, .VM, .Event, .Kind, .Data, .Summary and .Raw") {
			t.Errorf("template %q: %v; want the fields named", tmpl, err)
		}
	}
	ev := recorded(t, "guest.qmp")[1]
	for _, tmpl := range []string{`{{color "mauve" .Event}}`, `{{duration (index .Data "qom-path")}}`} {
		r, err := New(Options{Format: "template", Template: tmpl})
		if err != nil {
			t.Fatalf("%s: %v", tmpl, err)
		}
		if out, err := r.Render(nil, ev); err == nil || !strings.HasPrefix(err.Error(), "RTC_CHANGE event: template: qmpwatch:1:") {
			t.Errorf("%s: got %q, %v; want an execution error", tmpl, out, err)
		}
	}
}

func TestColorEnabled(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	tests := []struct {
		mode string
		tty  bool
		env  func(string) string
		want bool
	}{
		{"auto", true, env(), true},
		{"auto", false, env(), false},
		{"auto", true, env("NO_COLOR", "1"), false},
		{"auto", true, env("TERM", "dumb"), false},
		{"always", false, env("NO_COLOR", "1", "TERM", "dumb"), true},
		{"never", true, env(), false},
	}
	for _, tt := range tests {
		if got := ColorEnabled(tt.mode, tt.tty, tt.env); got != tt.want {
			t.Errorf("ColorEnabled(%s, tty=%v) = %v", tt.mode, tt.tty, got)
		}
	}
}

// The JSON format runs in the 1M-event benchmark: it must not allocate.
func TestJSONAllocs(t *testing.T) {
	evs := recorded(t, "demo.qmp")
	buf := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(100, func() {
		for _, ev := range evs {
			buf, _ = JSON{}.Render(buf[:0], ev)
		}
	})
	if allocs != 0 {
		t.Errorf("JSON.Render allocates %v times per %d events", allocs, len(evs))
	}
}

func BenchmarkRender(b *testing.B) {
	evs := recorded(b, "demo.qmp", "guest.qmp", "blockjobs.qmp")
	for _, format := range []string{"json", "pretty", "table"} {
		r, _ := New(Options{Format: format, ShowVM: true})
		b.Run(format, func(b *testing.B) {
			buf := make([]byte, 0, 4096)
			for i := 0; b.Loop(); i++ {
				ev := *evs[i%len(evs)] // a fresh copy: Data is decoded per event, as in a stream
				buf, _ = r.Render(buf[:0], &ev)
			}
		})
	}
}
