package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/sim"
)

// startSimulate runs `qmpwatch simulate` through run and waits until its
// socket accepts connections.
func startSimulate(t *testing.T, args ...string) (sock string, code <-chan int, stderr *syncBuffer) {
	t.Helper()
	sock = filepath.Join(t.TempDir(), "sim.qmp")
	s, _, _ := testStreams("")
	stderr = &syncBuffer{}
	s.ErrOut = stderr
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan int, 1)
	go func() { ch <- run(ctx, append([]string{"simulate", sock}, args...), s) }()
	t.Cleanup(cancel)
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stderr.String(), "simulating a QEMU monitor on "+sock) {
		select {
		case c := <-ch:
			t.Fatalf("simulate ended with %d: %s", c, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("simulate did not start: %s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return sock, ch, stderr
}

// qmpwatch watch, connected to qmpwatch simulate, prints exactly what
// replay prints for the same recording.
func TestSimulateWatchedByWatch(t *testing.T) {
	rec := "../../testdata/recordings/blockjobs.qmp"
	sock, simCode, _ := startSimulate(t, rec, "--speed", "0", "--once")
	s, out, errOut := testStreams("")
	if code := run(context.Background(), []string{"watch", "-o", "json", sock}, s); code != 0 {
		t.Fatalf("watch: exit %d: %s", code, errOut)
	}
	if c := <-simCode; c != 0 {
		t.Errorf("simulate --once: exit %d", c)
	}
	s2, want, _ := testStreams("")
	run(context.Background(), []string{"replay", "-o", "json", "--label", "vm-block", rec}, s2)
	if out.String() != want.String() || strings.Count(want.String(), "\n") < 20 {
		t.Errorf("watch of simulate:\n%s\nreplay:\n%s", out, want)
	}
	if !strings.Contains(errOut.String(), "QEMU 7.2.22") {
		t.Errorf("watch stderr: %s", errOut)
	}
}

// simulate answers a plain socket client like QEMU does.
func TestSimulatePlainClient(t *testing.T) {
	sock, _, _ := startSimulate(t, "--speed", "1")
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	r := bufio.NewReader(c)
	read := func() string {
		t.Helper()
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	if g := read(); !strings.HasPrefix(g, `{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}`) || !strings.HasSuffix(g, "\r\n") {
		t.Fatalf("greeting %q", g)
	}
	c.Write([]byte(`{"execute":"qmp_capabilities","id":1}` + "\n"))
	if l := read(); l != `{"return": {}, "id": 1}`+"\r\n" {
		t.Fatalf("capabilities reply %q", l)
	}
	c.Write([]byte(`{"execute":"system_powerdown","id":2}` + "\n"))
	for {
		l := read()
		if strings.Contains(l, `"event"`) {
			continue // the recording plays on meanwhile
		}
		if l != `{"error": {"class": "CommandNotFound", "desc": "The command system_powerdown has not been found"}, "id": 2}`+"\r\n" {
			t.Errorf("reply to a command that is not a query: %q", l)
		}
		break
	}
}

// watch --record keeps every event, before any filter, and replay gives
// back exactly what watch printed without filters.
func TestRecordThenReplay(t *testing.T) {
	sock, _, _ := startSimulate(t, "--speed", "0")
	file := filepath.Join(t.TempDir(), "rec.log")
	for _, args := range [][]string{
		{"watch", "-o", "json", "--record", file, sock},
		{"watch", "-o", "json", "-e", "STOP", "--record", file + ".2", sock},
	} {
		s, _, errOut := testStreams("")
		if code := run(context.Background(), args, s); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
	}
	s, all, _ := testStreams("")
	run(context.Background(), []string{"watch", "-o", "json", sock}, s)
	fi, err := os.Stat(file)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("record file: %v %v", fi.Mode(), err)
	}
	// The record starts with the greeting of the QEMU that sent the events
	// (the simulated 7.2.22), so replay and simulate know its version.
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	if first != `{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}` {
		t.Errorf("first line of the record: %s", first)
	}
	for _, f := range []string{file, file + ".2"} {
		s, out, errOut := testStreams("")
		if code := run(context.Background(), []string{"replay", "-o", "json", f}, s); code != 0 || errOut.Len() != 0 {
			t.Fatalf("replay: exit %d: %s", code, errOut)
		}
		if out.String() != all.String() || strings.Count(all.String(), "\n") != 32 {
			t.Errorf("replay of %s:\n%s\nwatch:\n%s", f, out, all)
		}
	}
	// --record appends.
	s, _, _ = testStreams("")
	run(context.Background(), []string{"watch", "-o", "json", "--record", file, sock}, s)
	s, out, _ := testStreams("")
	run(context.Background(), []string{"replay", "-o", "json", file}, s)
	if out.String() != all.String()+all.String() {
		t.Errorf("second recording did not append: %d lines", strings.Count(out.String(), "\n"))
	}
}

func TestDemoEndToEnd(t *testing.T) {
	s, out, errOut := testStreams("")
	if code := run(context.Background(), []string{"demo", "--speed", "0", "-o", "json"}, s); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	recorded, err := sim.LoadBytes(context.Background(), "demo", sim.Demo)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != recorded.Events {
		t.Fatalf("%d events, the recording has %d:\n%s", len(lines), recorded.Events, out)
	}
	for _, want := range []string{"VNC_CONNECTED", "SPICE_INITIALIZED", "BLOCK_IO_ERROR", "BLOCK_JOB_COMPLETED", "RESET", "SHUTDOWN"} {
		if !strings.Contains(out.String(), `"event":"`+want+`"`) {
			t.Errorf("no %s in the demo", want)
		}
	}
	if !strings.HasSuffix(lines[len(lines)-1], `"event":"SHUTDOWN","data":{"guest":true,"reason":"guest-shutdown"},"vm":"demo-vm"}`) {
		t.Errorf("last line %s", lines[len(lines)-1])
	}
	if !strings.Contains(errOut.String(), "qmpwatch: demo: replaying") || !strings.Contains(errOut.String(), "qmpwatch watch /tmp/vm1.qmp") {
		t.Errorf("stderr %s", errOut)
	}
}

// simulate's socket is owner-only unless --socket-mode says otherwise.
func TestSimulateSocketMode(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want os.FileMode
	}{
		{nil, 0o600},
		{[]string{"--socket-mode", "0660"}, 0o660},
	} {
		sock := filepath.Join(t.TempDir(), "sim.qmp")
		ctx, cancel := context.WithCancel(context.Background())
		stderr := &syncBuffer{}
		done := make(chan int, 1)
		go func() {
			args := append([]string{"simulate", sock}, tt.args...)
			done <- run(ctx, args, &iostreams.Streams{In: strings.NewReader(""), Out: io.Discard, ErrOut: stderr})
		}()
		waitFor1(t, stderr, "simulating a QEMU monitor", 1)
		fi, err := os.Stat(sock)
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("exit %d: %s", code, stderr)
		}
		if err != nil || fi.Mode().Perm() != tt.want {
			t.Errorf("%v: mode %v (%v), want %v", tt.args, fi.Mode().Perm(), err, tt.want)
		}
	}
	s, _, errOut := testStreams("")
	if code := run(context.Background(), []string{"simulate", "/tmp/x.qmp", "--socket-mode", "rw"}, s); code != exitcode.Usage {
		t.Errorf("bad mode: exit %d: %s", code, errOut)
	}
}
