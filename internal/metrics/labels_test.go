package metrics

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/testkit/realpart"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// Label values from the wire are escaped as on a terminal and bounded in
// length, a long one marked and kept apart from another long one.
func TestLabelValue(t *testing.T) {
	long := strings.Repeat("é", 2<<20) // 4 MB
	tests := []struct{ name, in, want string }{
		{"plain", "vm-alpha", "vm-alpha"},
		{"none", "", "none"},
		{"OSC 52 clipboard write", "a\x1b]52;c;cm0gLXJmIH4=\x07b", `a\x1b]52;c;cm0gLXJmIH4=\x07b`},
		{"C1 CSI", "a\u009b31mb", `a\u009b31mb`},
		{"bidi override", "a\u202egnp.exe", `a\u202egnp.exe`},
		{"invalid UTF-8", "vm\xff", `vm\xff`},
		{"quote and backslash stay for the exposition", `o"d\d`, `o"d\d`},
		{"at the bound", strings.Repeat("v", maxLabelValue), strings.Repeat("v", maxLabelValue)},
		{"past the bound", long, strings.Repeat("é", maxLabelValue/2) + "…#"},
		{"escapes are not cut", strings.Repeat("\x1b", 100), strings.Repeat(`\x1b`, maxLabelValue/4) + "…#"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := labelValue(tt.in)
			if strings.HasSuffix(tt.want, "…#") {
				if !strings.HasPrefix(got, tt.want) || len(got) != len(tt.want)+8 {
					t.Errorf("got %q, want %q and 8 hex digits", got, tt.want)
				}
			} else if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if !utf8.ValidString(got) || len(got) > maxLabelValue+len("…#")+8 {
				t.Errorf("%d bytes, valid UTF-8: %v", len(got), utf8.ValidString(got))
			}
		})
	}
	if labelValue(long) == labelValue(long+"x") {
		t.Errorf("two long names that differ past the bound got the same label value")
	}
}

// hostileVMs are VM labels as a hostile or careless monitor may answer
// query-name: terminal escapes, C1, bidi, invalid UTF-8, and 4 MB.
var hostileVMs = []string{
	"clip\x1b]52;c;cm0gLXJmIH4=\x07",
	"csi\u009b2J",
	"bidi\u202etxt.exe",
	"bad\xff\xfe",
	strings.Repeat("é", 2<<20),
}

// A scrape shows no terminal control from the wire, stays small whatever
// the VM's name, and still parses (the promtool test lints it too).
func TestScrapeOfHostileNames(t *testing.T) {
	c := New(Options{})
	for _, vm := range hostileVMs {
		connect(c, vm, track.RunState{Status: "running"}, source.Connected)
		feed(c, event(t, vm, "SHUTDOWN", `{"guest": true, "reason": "evil\u001b[2J\u202e"}`))
	}
	text := scrape(c)
	if i := bytes.IndexFunc(text, func(r rune) bool {
		return r < 0x20 && r != '\n' || r >= 0x7f && r < 0xa0 || r == utf8.RuneError || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
	}); i >= 0 {
		t.Errorf("raw control at %d: %q", i, text[max(0, i-40):min(len(text), i+40)])
	}
	if len(text) > 64<<10 {
		t.Errorf("a scrape of %d VMs is %d KB", len(hostileVMs), len(text)>>10)
	}
	if _, err := testutil.CollectAndLint(c); err != nil {
		t.Errorf("collect: %v", err)
	}
	promtoolCheck(t, text)
}

// promtoolCheck runs promtool check metrics on a scrape: required under CI.
func promtoolCheck(t *testing.T, scrape []byte) {
	t.Helper()
	cmd := exec.Command(realpart.Need(t, "promtool"), "check", "metrics")
	cmd.Stdin = bytes.NewReader(scrape)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// scrape is what GET /metrics answers.
func scrape(c *Collector) []byte {
	rec := httptest.NewRecorder()
	Handler(c, NewHealth()).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.Bytes()
}

// A VM that opens display sessions without end is counted up to the
// trackers' bound, and said once on Note.
func TestOpenSessionsBoundSaid(t *testing.T) {
	var notes []string
	c := New(Options{Note: func(line string) { notes = append(notes, line) }})
	vm := hostileVMs[0]
	connect(c, vm, track.RunState{Status: "running"}, source.Connected)
	for i := range track.MaxOpen + 50 {
		feed(c, event(t, vm, "VNC_CONNECTED", fmt.Sprintf(`{"server": {"auth": "none", "family": "ipv4", "service": "5901", "host": "0.0.0.0", "websocket": false}, "client": {"family": "ipv4", "service": "%d", "host": "10.1.1.1", "websocket": false}}`, 10000+i)))
	}
	if n := value(t, c, "qmpwatch_display_sessions", labels{"vm": labelValue(vm), "protocol": "vnc"}); n != track.MaxOpen {
		t.Errorf("%v open sessions counted, want %d", n, track.MaxOpen)
	}
	want := `qmpwatch: clip\x1b]52;c;cm0gLXJmIH4=\x07: 256 open display sessions, the most qmpwatch tracks per VM; more are ignored until some end`
	if len(notes) != 1 || notes[0] != want {
		t.Errorf("notes %q, want [%q]", notes, want)
	}
}
