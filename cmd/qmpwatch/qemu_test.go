package main

import (
	"bufio"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
	"github.com/qmpwatch/qmpwatch/internal/testkit/syncbuf"
)

// startWatch runs the built binary as a user would and waits until it has
// connected, so that everything the test does afterwards must be seen.
func startWatch(t *testing.T, args ...string) (cmd *exec.Cmd, stdout, stderr *syncBuffer) {
	t.Helper()
	return startUntil(t, "connected to", args...)
}

// startUntil runs the built binary and waits (60 s at most: the machine
// may be loaded) for a stderr line holding marker: "connected to", or a
// fleet reader's "reading stream".
func startUntil(t *testing.T, marker string, args ...string) (cmd *exec.Cmd, stdout, stderr *syncBuffer) {
	t.Helper()
	cmd = exec.Command(builtBinary(t), args...)
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	cmd.Stdout = stdout
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	seen := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(errPipe)
		said := false
		for sc.Scan() {
			stderr.WriteString(sc.Text() + "\n")
			if !said && strings.Contains(sc.Text(), marker) {
				said = true
				seen <- true
			}
		}
		if !said {
			seen <- false
		}
	}()
	select {
	case ok := <-seen:
		if !ok {
			t.Fatalf("qmpwatch %s: no %q on stderr: %s", strings.Join(args, " "), marker, stderr)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("qmpwatch %s: no %q within 60s: %s", strings.Join(args, " "), marker, stderr)
	}
	return cmd, stdout, stderr
}

func waitExit(t *testing.T, cmd *exec.Cmd, within time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(within):
		cmd.Process.Kill()
		t.Fatalf("qmpwatch did not exit within %s", within)
		return -1
	}
}

// TestWatchRealQEMU drives a real QEMU through a VM's life and checks that
// qmpwatch printed exactly the events QEMU sent, in order, byte for byte.
func TestWatchRealQEMU(t *testing.T) {
	vm := qemutest.Start(t, qemutest.Options{Name: "vm1", CDROM: "cd0"})
	cmd, stdout, stderr := startWatch(t, "watch", vm.Monitor, "-o", "json")
	before := len(vm.Events())

	vm.MustDo(t, "stop", nil)
	vm.WaitEvent(t, "STOP", 10*time.Second)
	vm.MustDo(t, "cont", nil)
	vm.WaitEvent(t, "RESUME", 10*time.Second)
	vm.MustDo(t, "system_reset", nil)
	vm.WaitEvent(t, "RESET", 10*time.Second)
	vm.EjectCD(t, "cd0")
	vm.ChangeMedium(t, "cd0")
	vm.AddDisk(t, "disk0", 4<<20)
	vm.Mirror(t, "job1", "disk0")
	vm.CompleteJob(t, "job1")
	vm.Do("quit", nil)

	if code := waitExit(t, cmd, 30*time.Second); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr.String(), "vm1: QEMU closed the connection") {
		t.Errorf("stderr lacks the end-of-stream line:\n%s", stderr)
	}

	var want []string
	for _, raw := range vm.Events()[before:] {
		want = append(want, strings.TrimSuffix(string(decode.AppendCompact(nil, raw)), "}")+`,"vm":"vm1"}`)
	}
	got := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("qmpwatch printed:\n%s\n\nQEMU sent:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// And the sequence a user expects, with the fields that matter.
	type ev struct {
		Event string         `json:"event"`
		Data  map[string]any `json:"data"`
		VM    string         `json:"vm"`
	}
	var seq []string
	for _, l := range got {
		var e ev
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("bad json line %q: %v", l, err)
		}
		if e.VM != "vm1" {
			t.Errorf("vm = %q in %s", e.VM, l)
		}
		switch e.Event {
		case "RESET":
			seq = append(seq, "RESET:"+e.Data["reason"].(string))
		case "DEVICE_TRAY_MOVED":
			seq = append(seq, "TRAY:"+e.Data["id"].(string)+":"+map[bool]string{true: "open", false: "closed"}[e.Data["tray-open"].(bool)])
		case "BLOCK_JOB_READY", "BLOCK_JOB_COMPLETED":
			seq = append(seq, e.Event+":"+e.Data["device"].(string)+":"+e.Data["type"].(string))
		case "STOP", "RESUME", "SHUTDOWN":
			seq = append(seq, e.Event)
		}
	}
	wantSeq := "STOP RESUME RESET:host-qmp-system-reset TRAY:cd0:open TRAY:cd0:closed BLOCK_JOB_READY:job1:mirror BLOCK_JOB_COMPLETED:job1:mirror SHUTDOWN"
	if got := strings.Join(seq, " "); !strings.HasPrefix(strings.ReplaceAll(got, " RESET:guest-reset", ""), strings.TrimSuffix(wantSeq, " SHUTDOWN")) || !strings.HasSuffix(got, "SHUTDOWN") {
		t.Errorf("event sequence:\n got %s\nwant %s", got, wantSeq)
	}
}

// TestWatchRealQEMUTCP checks the TCP address forms against real QEMU.
func TestWatchRealQEMUTCP(t *testing.T) {
	vm := qemutest.Start(t, qemutest.Options{TCPMonitor: true})
	addr := strings.TrimPrefix(vm.Monitor, "tcp:")
	for _, a := range []string{vm.Monitor, addr} {
		cmd, stdout, stderr := startWatch(t, "watch", a, "-o", "json")
		vm.MustDo(t, "stop", nil)
		vm.WaitEvent(t, "STOP", 10*time.Second)
		vm.MustDo(t, "cont", nil)
		vm.WaitEvent(t, "RESUME", 10*time.Second)
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(stdout.String(), `"RESUME"`) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		cmd.Process.Signal(interrupt)
		if code := waitExit(t, cmd, 10*time.Second); code != 0 {
			t.Errorf("%s: exit %d after SIGINT: %s", a, code, stderr)
		}
		lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
		if len(lines) != 2 || !strings.Contains(lines[0], `"event":"STOP"`) || !strings.Contains(lines[1], `"event":"RESUME"`) {
			t.Errorf("%s: output %q", a, stdout)
		}
		if !strings.Contains(lines[0], `"vm":"`+addr+`"`) {
			t.Errorf("%s: a VM without -name over TCP should be labelled %s: %s", a, addr, lines[0])
		}
	}
}

// syncBuffer is a buffer a child process writes while the test reads it.
type syncBuffer = syncbuf.Buffer
