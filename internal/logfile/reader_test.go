package logfile

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// readAll reads every event of in and the warnings it caused.
func readAll(t *testing.T, in io.Reader, o Options) ([]*decode.Event, []*LineError, *Reader) {
	t.Helper()
	var warns []*LineError
	o.Warn = func(e *LineError) { warns = append(warns, e) }
	r, err := NewReader(in, o)
	if err != nil {
		t.Fatal(err)
	}
	var evs []*decode.Event
	for {
		ev, err := r.Next(context.Background())
		if err == io.EOF {
			return evs, warns, r
		}
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
}

func TestFormats(t *testing.T) {
	tests := []struct {
		name, line          string
		event, vm, data     string
		hasVM               bool
		seconds, micros     int64
		wantRawContainsData bool
	}{
		{name: "qmpwatch json keeps vm",
			line:  `{"timestamp":{"seconds":10,"microseconds":20},"event":"STOP","vm":"web1"}`,
			event: "STOP", vm: "web1", hasVM: true, seconds: 10, micros: 20},
		{name: "raw QMP event gets the label",
			line:  `{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "RESET", "data": {"guest": true, "reason": "guest-reset"}}` + "\r",
			event: "RESET", vm: "lab", data: `{"guest": true, "reason": "guest-reset"}`, seconds: 1, micros: 2},
		{name: "virsh loop, quoted domain",
			line:  `event SPICE_INITIALIZED at 1700000001.000002 for domain 'db 1': {"client":{"channel-type":1,"connection-id":-1296444001}}`,
			event: "SPICE_INITIALIZED", vm: "db 1", hasVM: true, data: `{"client":{"channel-type":1,"connection-id":-1296444001}}`, seconds: 1700000001, micros: 2},
		{name: "virsh loop, older libvirt without quotes and null data",
			line:  `event STOP at 1700000002.000003 for domain legacy: <null>`,
			event: "STOP", vm: "legacy", hasVM: true, seconds: 1700000002, micros: 3},
		{name: "virsh with an empty domain name gets the label",
			line:  `event STOP at 1700000002.000003 for domain '': <null>`,
			event: "STOP", vm: "lab", seconds: 1700000002, micros: 3},
		{name: "virsh --timestamp",
			line:  `2023-11-14 22:13:23.456+0000: event RESET for domain 'db1': {"guest":true}`,
			event: "RESET", vm: "db1", hasVM: true, data: `{"guest":true}`, seconds: 1700000003, micros: 456000},
		{name: "virsh --timestamp in another zone",
			line:  `2023-11-14 23:13:23.456+0100: event STOP for domain 'db1': <null>`,
			event: "STOP", vm: "db1", hasVM: true, seconds: 1700000003, micros: 456000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, warns, _ := readAll(t, strings.NewReader(tt.line+"\n"), Options{Name: "x.log", Label: "lab"})
			if len(warns) != 0 || len(evs) != 1 {
				t.Fatalf("got %d events, warnings %v", len(evs), warns)
			}
			ev := evs[0]
			if ev.Name != tt.event || ev.VM != tt.vm || ev.HasVM != tt.hasVM || ev.Seconds != tt.seconds || ev.Micros != tt.micros {
				t.Errorf("got %s vm=%q hasVM=%v %d.%d", ev.Name, ev.VM, ev.HasVM, ev.Seconds, ev.Micros)
			}
			if string(ev.DataRaw) != tt.data {
				t.Errorf("data %s, want %s", ev.DataRaw, tt.data)
			}
			// Raw is always a QMP event object that scans back to the same event.
			m, err := decode.ScanMessage(ev.Raw)
			if err != nil || m.Kind != decode.MsgEvent || m.Event != tt.event || m.HasVM != tt.hasVM {
				t.Errorf("raw %s does not scan back: %v", ev.Raw, err)
			}
		})
	}
}

func TestMixedWithBadLines(t *testing.T) {
	f, err := os.Open("../../testdata/replay/mixed.log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var msgs []decode.MsgKind
	evs, warns, r := readAll(t, f, Options{Name: "mixed.log", OnMessage: func(m *decode.Message) { msgs = append(msgs, m.Kind) }})
	var names []string
	for _, ev := range evs {
		names = append(names, ev.VM+":"+ev.Name)
	}
	want := "web1:BLOCK_JOB_READY db 1:SPICE_INITIALIZED legacy:STOP db 1:RESET mixed:STOP mixed:RESUME mixed:RESET mixed:DEVICE_TRAY_MOVED mixed:DEVICE_TRAY_MOVED mixed:SHUTDOWN"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("events\n got %s\nwant %s", got, want)
	}
	if len(warns) != 1 || warns[0].Line != 6 || !strings.HasPrefix(warns[0].Error(), "mixed.log:6: skipped: ") {
		t.Errorf("warnings: %v", warns)
	}
	if v := r.Version(); v != (decode.Version{Major: 7, Minor: 2, Micro: 22}) {
		t.Errorf("version from the greeting: %v", v)
	}
	// greeting, capabilities reply, query-name reply, query-status reply
	if want := []decode.MsgKind{decode.MsgGreeting, decode.MsgReturn, decode.MsgReturn, decode.MsgReturn}; !equalKinds(msgs, want) {
		t.Errorf("other messages %v, want %v", msgs, want)
	}
}

func equalKinds(a, b []decode.MsgKind) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestMalformed(t *testing.T) {
	in := strings.Join([]string{
		`{"event":"STOP"}`,
		`{"event":"STOP"`,                       // truncated JSON
		`{"foo":1}`,                             // an object, but no QMP message
		`event STOP at soon for domain 'a': {}`, // virsh-like, bad time
		`event STOP at 1.2 for domain 'a': [1]`, // data not an object
		`event STOP at 1.2 for domain 'a': {"x":1},"event":"FAKE"`,
		`2023-11-14 22:13:23.456+0000: event RESET for domain 'db1' {}`,
		"\x1b[2Jgarbage",
		"",
		`{"event":"RESUME"}`,
	}, "\n")
	evs, warns, _ := readAll(t, strings.NewReader(in), Options{})
	if len(evs) != 2 || evs[0].Name != "STOP" || evs[1].Name != "RESUME" {
		t.Errorf("events: %v", evs)
	}
	var lines []int
	for _, w := range warns {
		lines = append(lines, w.Line)
		if !strings.HasPrefix(w.Error(), "stdin:") || strings.Contains(w.Error(), "\x1b") {
			t.Errorf("warning %q", w)
		}
	}
	if got := fmt.Sprint(lines); got != "[2 3 4 5 6 7 8]" {
		t.Errorf("warned lines %s", got)
	}
	if evs[1].Seconds != -1 {
		t.Errorf("an event without timestamp has time -1, got %d", evs[1].Seconds)
	}
}

// A line far longer than the read buffer (QEMU's schema reply is 200 KB)
// is read whole, even when it arrives one byte at a time.
func TestLongLine(t *testing.T) {
	long := strings.Repeat("x", 3*bufSize)
	in := `{"event":"A"}` + "\n" + `{"event":"B","data":{"s":"` + long + `"}}` + "\n" + `{"event":"C"}`
	for name, r := range map[string]io.Reader{"bulk": strings.NewReader(in), "bytewise": iotest.OneByteReader(strings.NewReader(in))} {
		evs, warns, _ := readAll(t, r, Options{})
		if len(evs) != 3 || len(warns) != 0 || len(evs[1].DataRaw) != len(long)+8 || evs[2].Name != "C" {
			t.Errorf("%s: %d events, %v", name, len(evs), warns)
		}
	}
}

// Events own their bytes: reading on does not change earlier events.
func TestEventsOwnTheirBytes(t *testing.T) {
	var in bytes.Buffer
	for i := 0; i < 3000; i++ {
		in.WriteString(`{"event":"E` + strings.Repeat("x", i%50) + `","data":{"n":1}}` + "\n")
	}
	evs, _, _ := readAll(t, &in, Options{})
	for i, ev := range evs {
		want := `{"event":"E` + strings.Repeat("x", i%50) + `","data":{"n":1}}`
		if string(ev.Raw) != want || string(ev.DataRaw) != `{"n":1}` || cap(ev.Raw) != len(ev.Raw) {
			t.Fatalf("event %d: %s", i, ev.Raw)
		}
	}
}

func TestGzipByContent(t *testing.T) {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte("{\"event\":\"STOP\"}\nnot json\n{\"event\":\"RESUME\"}\n"))
	zw.Close()
	path := filepath.Join(t.TempDir(), "vm7.log") // no .gz: the magic bytes decide
	os.WriteFile(path, z.Bytes(), 0o644)
	var warns []string
	r, err := Open(context.Background(), path, Options{Warn: func(e *LineError) { warns = append(warns, e.Error()) }})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var got []string
	for {
		ev, err := r.Next(context.Background())
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ev.VM+":"+ev.Name)
	}
	if strings.Join(got, " ") != "vm7:STOP vm7:RESUME" || len(warns) != 1 || !strings.HasPrefix(warns[0], path+":2: ") {
		t.Errorf("got %v, warnings %v", got, warns)
	}
}

func TestTruncatedGzip(t *testing.T) {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(bytes.Repeat([]byte("{\"event\":\"STOP\"}\n"), 1000))
	zw.Close()
	r, err := NewReader(bytes.NewReader(z.Bytes()[:z.Len()/2]), Options{Name: "cut.gz"})
	if err != nil {
		t.Fatal(err)
	}
	for {
		_, err := r.Next(context.Background())
		if err == nil {
			continue
		}
		if err == io.EOF || !strings.Contains(err.Error(), "cut.gz: truncated gzip") {
			t.Errorf("got %v, want a truncation error", err)
		}
		break
	}
}

func TestDefaultLabel(t *testing.T) {
	for in, want := range map[string]string{"/var/log/vm1.log": "vm1", "vm1.log.gz": "vm1", "vm1": "vm1", "-": "stdin", ".hidden": ".hidden"} {
		if got := DefaultLabel(in); got != want {
			t.Errorf("DefaultLabel(%q) = %q, want %q", in, got, want)
		}
	}
}

// Following a file reads lines appended after the end was reached, including
// a line written in two parts, and stops when the context is cancelled.
func TestFollow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "live.log")
	if err := os.WriteFile(path, []byte("{\"event\":\"A\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Open(context.Background(), path, Options{Follow: true, Poll: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	next := func() *decode.Event {
		t.Helper()
		ev, err := r.Next(ctx)
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		return ev
	}
	if ev := next(); ev.Name != "A" || ev.VM != "live" {
		t.Fatalf("first event %s %s", ev.Name, ev.VM)
	}
	w, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	got := make(chan *decode.Event)
	go func() {
		for {
			ev, err := r.Next(ctx)
			if err != nil {
				close(got)
				return
			}
			got <- ev
		}
	}()
	// The reader is now waiting at the end of the file.
	w.WriteString(`{"event":"B",`)
	w.WriteString("\"data\":{}}\n")
	if ev := <-got; ev == nil || ev.Name != "B" {
		t.Fatalf("appended event: %v", ev)
	}
	w.WriteString("{\"event\":\"C\"}\n")
	if ev := <-got; ev == nil || ev.Name != "C" {
		t.Fatalf("appended event: %v", ev)
	}
	cancel()
	if ev, ok := <-got; ok {
		t.Fatalf("event after cancel: %v", ev)
	}
	if _, err := r.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Next after cancel: %v", err)
	}
}
