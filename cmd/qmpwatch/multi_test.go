package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/testkit/conntest"
)

// answeringVM is a fake monitor that, after its events, stays connected and
// refuses every further command (as QEMU does for one it lacks) until the
// client leaves, so that the connect-time queries do not wait for a timeout.
func answeringVM(t *testing.T, name string, events ...string) *conntest.Server {
	return conntest.NewServer(t, func(p *conntest.Peer) error { return answer(p, name, events, true) })
}

func answer(p *conntest.Peer, name string, events []string, hold bool) error {
	if err := p.Handshake(name); err != nil {
		return err
	}
	for _, e := range events {
		if err := p.SendLine(e); err != nil {
			return err
		}
	}
	if hold {
		return p.Serve(nil) // every command not found, until the client leaves
	}
	return nil
}

type wireLine struct {
	Event string         `json:"event"`
	VM    string         `json:"vm"`
	Data  map[string]any `json:"data"`
}

func decodeLines(t *testing.T, out string) []wireLine {
	t.Helper()
	var lines []wireLine
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if l == "" {
			continue
		}
		var w wireLine
		if err := json.Unmarshal([]byte(l), &w); err != nil {
			t.Fatalf("bad JSON line %q: %v", l, err)
		}
		lines = append(lines, w)
	}
	return lines
}

// perVM lists each VM's event names in output order.
func perVM(lines []wireLine) map[string]string {
	m := map[string]string{}
	for _, l := range lines {
		m[l.VM] = strings.TrimSpace(m[l.VM] + " " + l.Event)
	}
	return m
}

func TestWatchManyVMs(t *testing.T) {
	a := fakeVM(t, "vm-a", fakeEvents...)
	b := fakeVM(t, "vm-b", fakeEvents[0])
	c := fakeVM(t, "", fakeEvents[1:]...)
	streams, out, errOut := testStreams("")
	code := run(context.Background(), []string{"watch", a.Addr, b.Addr, c.Addr, "-o", "json", "--schema", "builtin"}, streams)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got := perVM(decodeLines(t, out.String()))
	want := map[string]string{
		"vm-a": "STOP BLOCK_JOB_READY SPICE_INITIALIZED",
		"vm-b": "STOP",
		"vm1":  "BLOCK_JOB_READY SPICE_INITIALIZED", // no -name: the socket's base name
	}
	for vm, w := range want {
		if got[vm] != w {
			t.Errorf("%s: %q, want %q", vm, got[vm], w)
		}
	}
	// And each line is QEMU's event unchanged plus "vm", as for one VM.
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if strings.Contains(l, `"vm":"vm-a"`) && strings.Contains(l, "BLOCK_JOB_READY") &&
			!strings.Contains(l, `"len":9223372036854775807,"offset":9007199254740993`) {
			t.Errorf("numbers changed: %s", l)
		}
	}
	for _, line := range []string{
		"qmpwatch: connected to vm-a (QEMU 7.2.22) at " + a.Addr,
		"qmpwatch: connected to vm1 (no -name) (QEMU 7.2.22) at " + c.Addr,
		"vm-b: QEMU went away without a SHUTDOWN event (killed or crashed?)",
	} {
		if !strings.Contains(errOut.String(), line+"\n") {
			t.Errorf("stderr lacks %q:\n%s", line, errOut)
		}
	}
	if n := strings.Count(errOut.String(), "\n"); n != 6 {
		t.Errorf("stderr has %d lines, want 3 connects and 3 ends:\n%s", n, errOut)
	}
}

// The VM column shows in pretty output when there is more than one VM.
func TestWatchManyVMsPrettyShowsVM(t *testing.T) {
	a := fakeVM(t, "vm-a", fakeEvents[0])
	b := fakeVM(t, "vm-b", fakeEvents[0])
	streams, out, errOut := testStreams("")
	if code := run(context.Background(), []string{"watch", a.Addr, b.Addr, "-o", "pretty", "--color", "never", "--schema", "builtin"}, streams); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out.String(), "vm-a") || !strings.Contains(out.String(), "vm-b") {
		t.Errorf("pretty output without VM names:\n%s", out)
	}
}

func TestWatchGlob(t *testing.T) {
	a := fakeVM(t, "vm-a", fakeEvents[0])
	b := fakeVM(t, "vm-b", fakeEvents[0])
	dir := t.TempDir()
	os.Symlink(a.Addr, filepath.Join(dir, "a.qmp"))
	os.Symlink(b.Addr, filepath.Join(dir, "b.qmp"))
	os.WriteFile(filepath.Join(dir, "c.qmp"), []byte("a file, not a socket"), 0o600)
	streams, out, errOut := testStreams("")
	if code := run(context.Background(), []string{"watch", filepath.Join(dir, "*.qmp"), "-o", "json", "--schema", "builtin"}, streams); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got := perVM(decodeLines(t, out.String()))
	if got["vm-a"] != "STOP" || got["vm-b"] != "STOP" || len(got) != 2 {
		t.Errorf("events per VM: %v", got)
	}
}

// One source failing does not stop the others; the failure is one stderr
// line when it happens, and the exit status says that something failed.
func TestWatchOneSourceFails(t *testing.T) {
	good := fakeVM(t, "good", fakeEvents...)
	dir := t.TempDir()
	missing := filepath.Join(dir, "none.qmp")
	tests := []struct {
		name string
		args []string
		code int
		err  string
		out  int
	}{
		{"one missing", []string{missing, good.Addr}, 1, "qmpwatch: " + missing + ": no such socket", 3},
		{"all missing", []string{missing, filepath.Join(dir, "other.qmp")}, 1, "qmpwatch: " + missing + ": no such socket", 0},
		{"glob matches nothing", []string{filepath.Join(dir, "*.qmp")}, 1, "qmpwatch: " + filepath.Join(dir, "*.qmp") + ": no socket matches", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			streams, out, errOut := testStreams("")
			code := run(context.Background(), append(append([]string{"watch"}, tt.args...), "-o", "json", "--schema", "builtin"), streams)
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			if n := len(decodeLines(t, out.String())); n != tt.out {
				t.Errorf("%d events on stdout, want %d:\n%s", n, tt.out, out)
			}
			if !strings.Contains(errOut.String(), tt.err) {
				t.Errorf("stderr lacks %q:\n%s", tt.err, errOut)
			}
			if strings.Count(errOut.String(), "no such socket")+strings.Count(errOut.String(), "no socket matches") != len(tt.args)-strings.Count(strings.Join(tt.args, " "), good.Addr) {
				t.Errorf("want one line per failing source:\n%s", errOut)
			}
		})
	}
}

func TestWatchMultiUsage(t *testing.T) {
	a := fakeVM(t, "vm-a")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"watch", a.Addr, a.Addr + "x", "--label", "web"}, "--label names one VM"},
		{[]string{"watch", "--dir", filepath.Join(t.TempDir(), "nope")}, "not a folder"},
		{[]string{"watch", "/tmp/[", "--reconnect"}, "bad pattern"},
	}
	for _, tt := range tests {
		streams, out, errOut := testStreams("")
		if code := run(context.Background(), tt.args, streams); code != 2 {
			t.Errorf("%v: exit %d, want 2", tt.args, code)
		}
		if out.Len() != 0 || !strings.Contains(errOut.String(), tt.want) {
			t.Errorf("%v: stdout %q, stderr %q", tt.args, out, errOut)
		}
	}
}

// watch --reconnect --markers: a VM that goes away and comes back shows as
// a gap on stderr and as marker records in the stream, in order.
func TestWatchReconnectMarkers(t *testing.T) {
	var n atomic.Int32
	s := conntest.NewServer(t, func(p *conntest.Peer) error {
		if n.Add(1) == 1 {
			return answer(p, "vm1", []string{fakeEvents[0]}, false)
		}
		return answer(p, "vm1", []string{fakeEvents[1]}, true)
	})
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	streams := &iostreams.Streams{In: strings.NewReader(""), Out: stdout, ErrOut: stderr}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"watch", s.Addr, "--reconnect", "--markers", "-o", "json", "--schema", "builtin"}, streams)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stdout.String(), "BLOCK_JOB_READY") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d after interrupt; stderr:\n%s", code, stderr)
	}
	lines := decodeLines(t, stdout.String())
	var names []string
	for _, l := range lines {
		names = append(names, l.Event)
		if l.VM != "vm1" {
			t.Errorf("%s labelled %q", l.Event, l.VM)
		}
	}
	if g := strings.Join(names, " "); g != "STOP QMPWATCH_DISCONNECTED QMPWATCH_RECONNECTED BLOCK_JOB_READY" {
		t.Fatalf("stream: %s\nstderr:\n%s", g, stderr)
	}
	if lines[1].Data["reason"] != source.GoneReason {
		t.Errorf("disconnect data %v", lines[1].Data)
	}
	if gap, ok := lines[2].Data["gap"].(float64); !ok || gap <= 0 {
		t.Errorf("reconnect data %v", lines[2].Data)
	}
	errs := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(errs) != 3 || !strings.HasPrefix(errs[0], "qmpwatch: connected to vm1") ||
		errs[1] != "vm1: QEMU went away without a SHUTDOWN event (killed or crashed?); reconnecting" ||
		!strings.HasPrefix(errs[2], "qmpwatch: reconnected to vm1 (QEMU 7.2.22) at "+s.Addr+" after ") ||
		!strings.HasSuffix(errs[2], "without a connection: events of that gap are lost") {
		t.Errorf("stderr:\n%s", stderr)
	}
}

// --dir picks up sockets as they appear, labelled by VM.
func TestWatchDir(t *testing.T) {
	dir := t.TempDir()
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	streams := &iostreams.Streams{In: strings.NewReader(""), Out: stdout, ErrOut: stderr}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"watch", "--dir", dir, "-o", "json", "--schema", "builtin"}, streams)
	}()
	wait := func(s string) {
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(stdout.String(), s) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	a := answeringVM(t, "vm-a", fakeEvents[0])
	os.Symlink(a.Addr, filepath.Join(dir, "a.qmp"))
	wait(`"vm":"vm-a"`)
	b := answeringVM(t, "vm-b", fakeEvents[0])
	os.Symlink(b.Addr, filepath.Join(dir, "b.qmp"))
	wait(`"vm":"vm-b"`)
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d after interrupt", code)
	}
	if got := perVM(decodeLines(t, stdout.String())); got["vm-a"] != "STOP" || got["vm-b"] != "STOP" {
		t.Errorf("events per VM %v\nstderr:\n%s", got, stderr)
	}
}
