package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/testkit/golden"
)

// recordedLines returns the event lines of a real QEMU recording.
func recordedLines(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../../testdata/recordings", name))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"event":`) {
			lines = append(lines, sc.Text())
		}
	}
	return lines
}

// hostileLine is a VNC login whose user name tries to clear the screen.
const hostileLine = `{"timestamp": {"seconds": 1795240040, "microseconds": 1}, "event": "VNC_INITIALIZED", "data": {"server": {"auth": "vnc", "family": "ipv4", "service": "5900", "host": "127.0.0.1", "websocket": false}, "client": {"family": "ipv4", "service": "40000", "host": "127.0.0.1", "websocket": false, "sasl_username": "\u001b[2J\u001b[31mroot\r\u009b1A\u202e"}}}`

// watchOutput runs qmpwatch watch against a fake monitor sending events.
func watchOutput(t *testing.T, tty bool, events []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	s := fakeVM(t, "demo-vm", events...)
	streams, out, errOut := testStreams("")
	streams.OutTTY = tty
	code = run(context.Background(), append([]string{"watch", s.Addr}, args...), streams)
	return code, out.String(), errOut.String()
}

// Terminal and pipe defaults, and colour on and off, through run().
func TestOutputGoldenCLI(t *testing.T) {
	events := append(recordedLines(t, "demo.qmp"), hostileLine)
	tests := []struct {
		name string
		tty  bool
		args []string
	}{
		{"cli-tty-default", true, nil},   // pretty, coloured
		{"cli-pipe-default", false, nil}, // json, no colour
		{"cli-tty-never", true, []string{"--color", "never"}},
		{"cli-pipe-table-always", false, []string{"-o", "table", "--color", "always"}},
		{"cli-tty-table", true, []string{"-o", "table", "--label", "web1"}},
		{"cli-template", false, []string{"--template", `{{.Event}} {{.Data.client.host}} {{.Summary}}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("NO_COLOR", "")
			t.Setenv("TERM", "xterm")
			code, out, errOut := watchOutput(t, tt.tty, events, append([]string{"--time", "utc"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			checkGoldenCLI(t, tt.name+".txt", out)
		})
	}
}

func checkGoldenCLI(t *testing.T, file, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("../../testdata/golden/render", file), []byte(got))
}

func TestOutputColorEnvironment(t *testing.T) {
	ev := recordedLines(t, "guest.qmp")
	tests := []struct {
		name, noColor, term string
		tty                 bool
		args                []string
		colour              bool
	}{
		{"terminal", "", "xterm", true, nil, true},
		{"pipe", "", "xterm", false, []string{"-o", "pretty"}, false},
		{"NO_COLOR", "1", "xterm", true, nil, false},
		{"TERM=dumb", "", "dumb", true, nil, false},
		{"always beats NO_COLOR", "1", "dumb", false, []string{"-o", "pretty", "--color", "always"}, true},
		{"never on a terminal", "", "xterm", true, []string{"--color", "never"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("NO_COLOR", tt.noColor)
			t.Setenv("TERM", tt.term)
			code, out, errOut := watchOutput(t, tt.tty, ev, tt.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if got := strings.Contains(out, "\x1b["); got != tt.colour {
				t.Errorf("colour %v, want %v:\n%q", got, tt.colour, out)
			}
			if !strings.Contains(out, "WATCHDOG") {
				t.Errorf("output lacks the events: %q", out)
			}
		})
	}
}

// stdout and stderr decide colour each for itself.
func TestOutputStderrColourIndependent(t *testing.T) {
	env := func(noColor string) func(string) string {
		return func(k string) string {
			if k == "NO_COLOR" {
				return noColor
			}
			return ""
		}
	}
	tests := []struct {
		outTTY, errTTY bool
		mode, noColor  string
		wantOut        bool
		wantErr        bool
	}{
		{false, true, "auto", "", false, true},
		{true, false, "auto", "", true, false},
		{true, true, "auto", "1", false, false},
		{false, false, "always", "1", true, true},
		{true, true, "never", "", false, false},
	}
	for _, tt := range tests {
		s := &iostreams.Streams{OutTTY: tt.outTTY, ErrTTY: tt.errTTY}
		out, errOut := cmdutil.Palettes(s, tt.mode, env(tt.noColor))
		if out.Enabled != tt.wantOut || errOut.Enabled != tt.wantErr {
			t.Errorf("%+v: stdout %v stderr %v", tt, out.Enabled, errOut.Enabled)
		}
	}
}

// A user name with escape sequences never reaches the terminal raw.
func TestOutputHostileStrings(t *testing.T) {
	for _, args := range [][]string{
		{"-o", "pretty", "-v"},
		{"-o", "table"},
		{"--template", "{{.Data.client.sasl_username}} {{.Data}} {{.Summary}}"},
	} {
		code, out, errOut := watchOutput(t, true, []string{hostileLine}, append(args, "--color", "never")...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		if strings.ContainsAny(out, "\x1b\r\u009b\u202e") {
			t.Errorf("%v: raw control characters in %q", args, out)
		}
		if !strings.Contains(out, `\x1b[2J`) {
			t.Errorf("%v: escaped name missing from %q", args, out)
		}
	}
	_, out, _ := watchOutput(t, false, []string{hostileLine}, "-o", "json")
	if !strings.Contains(out, `"sasl_username":"\u001b[2J\u001b[31mroot\r\u009b1A\u202e"`) {
		t.Errorf("json is not exact: %s", out)
	}
}

func TestOutputTemplateErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "t.tmpl")
	if err := os.WriteFile(file, []byte("{{.Event}} from file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ev := recordedLines(t, "lifecycle.qmp")[:1]
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   string
		stderrIn string
	}{
		{"file", []string{"--template-file", file}, 0, "STOP from file\n", ""},
		{"parse error", []string{"--template", "{{.Event"}, exitcode.Expr, "", "qmpwatch: template: qmpwatch:1: unclosed action"},
		{"execution error", []string{"--template", `{{color "mauve" .Event}}`}, exitcode.Expr, "", `unknown colour "mauve"`},
		{"missing file", []string{"--template-file", file + ".none"}, exitcode.Usage, "", "--template-file"},
		{"both", []string{"--template", "x", "--template-file", file}, exitcode.Usage, "", "not both"},
		{"with -o json", []string{"--template", "x", "-o", "json"}, exitcode.Usage, "", "-o template"},
		{"-o template alone", []string{"-o", "template"}, exitcode.Usage, "", "needs --template"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := watchOutput(t, false, ev, tt.args...)
			if code != tt.code || out != tt.stdout {
				t.Fatalf("exit %d, stdout %q; want %d, %q (stderr %q)", code, out, tt.code, tt.stdout, errOut)
			}
			if tt.code != 0 && (!strings.Contains(errOut, tt.stderrIn) || !strings.HasPrefix(errOut, "qmpwatch: ")) {
				t.Errorf("stderr %q lacks %q", errOut, tt.stderrIn)
			}
		})
	}
}
