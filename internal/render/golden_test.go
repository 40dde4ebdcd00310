package render

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/testkit/golden"
)

const goldenDir = "../../testdata/golden/render"

// recorded returns the events of real QEMU recordings, labelled with the
// VM's -name the way watch labels them.
func recorded(t testing.TB, files ...string) []*decode.Event {
	t.Helper()
	var evs []*decode.Event
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join("../../testdata/recordings", f))
		if err != nil {
			t.Fatal(err)
		}
		vm := strings.TrimSuffix(f, ".qmp")
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			m, err := decode.ScanMessage(append([]byte(nil), sc.Bytes()...))
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if m.Kind == decode.MsgEvent {
				evs = append(evs, decode.NewEvent(&m, vm))
			}
		}
	}
	return evs
}

// hostile is an event whose strings try to drive the terminal: a VNC user
// name with a clear-screen sequence, a CR, a backspace, a C1 CSI and a bidi
// override.
const hostile = `{"timestamp": {"seconds": 1795240040, "microseconds": 1}, "event": "VNC_INITIALIZED", "data": {"server": {"auth": "vnc", "family": "ipv4", "service": "5900", "host": "127.0.0.1", "websocket": false}, "client": {"family": "ipv4", "service": "40000", "host": "127.0.0.1", "websocket": false, "sasl_username": "\u001b[2J\u001b[31mroot\r\b\u009b1A\u202etxt.exe"}}}`

func hostileEvent(t testing.TB) *decode.Event {
	m, err := decode.ScanMessage([]byte(hostile))
	if err != nil {
		t.Fatal(err)
	}
	return decode.NewEvent(&m, "vm\x1b]0;pwned\x07")
}

func goldenEvents(t testing.TB) []*decode.Event {
	evs := recorded(t, "demo.qmp", "guest.qmp", "blockjobs.qmp", "lifecycle.qmp")
	return append(evs, hostileEvent(t))
}

const goldenTemplate = `{{stamp .Time}} {{color .Kind (printf "%-18s" .Event)}} {{.VM}} {{with .Data.client}}{{.host}}:{{or .port .service}} {{end}}{{.Summary}}{{if .Data.len}} len={{size .Data.len}}{{end}}`

func TestGolden(t *testing.T) {
	zone := time.FixedZone("CET", 3600)
	tests := []struct {
		name string
		o    Options
	}{
		{"json", Options{Format: "json"}},
		{"pretty", Options{Format: "pretty", ShowVM: true}},
		{"pretty-verbose", Options{Format: "pretty", Verbose: true, Time: "relative"}},
		{"table", Options{Format: "table", ShowVM: true, Width: 110}},
		{"table-nowidth", Options{Format: "table", Time: "unix"}},
		{"template", Options{Format: "template", Template: goldenTemplate, Time: "utc"}},
		{"template-json", Options{Format: "template", Template: `{{json .Data}} {{.Raw}}`}},
	}
	for _, tt := range tests {
		for _, colour := range []bool{false, true} {
			name := tt.name
			if colour {
				name += "-color"
			}
			t.Run(name, func(t *testing.T) {
				o := tt.o
				o.Location = zone
				o.Palette = NewPalette(colour)
				r, err := New(o)
				if err != nil {
					t.Fatal(err)
				}
				var out []byte
				for _, ev := range goldenEvents(t) {
					if out, err = r.Render(out, ev); err != nil {
						t.Fatal(err)
					}
				}
				if !colour && bytes.IndexByte(out, 0x1b) >= 0 && tt.o.Format != "json" {
					t.Errorf("raw ESC in %s output without colour", name)
				}
				checkGolden(t, name+".txt", out)
			})
		}
	}
}

func checkGolden(t *testing.T, file string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join(goldenDir, file), got)
}
