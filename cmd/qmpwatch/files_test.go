package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/testkit/conntest"
)

// Every command that opens a file by name, given a FIFO that nobody opens
// from the other side (issue 23 item 8). The open used to wait in the
// kernel, where SIGINT and SIGTERM do not reach, so qmpwatch hung until
// killed. Now a FIFO where a regular file is meant is refused at once, a
// --record FIFO without reader too, and a FIFO read as a log (like stdin)
// waits for its writer only until SIGINT. Each runs the built binary, with
// a real FIFO and a real signal, under a deadline.
func TestFIFOInterruptible(t *testing.T) {
	mon := conntest.NewServer(t, numberedEvents(1, 0)).Addr
	for _, c := range []struct {
		name   string
		args   func(fifo string) []string
		signal bool   // it waits (for the writer) until SIGINT
		code   int    // exit status
		stderr string // what stderr says ("" for nothing)
	}{
		{"replay", func(f string) []string { return []string{"replay", f} }, true, exitcode.OK, ""},
		{"replay -F", func(f string) []string { return []string{"replay", "-F", f} }, false, exitcode.Error, "a FIFO, not a regular file (-F follows a file that grows"},
		{"sessions --replay", func(f string) []string { return []string{"sessions", "--replay", f, "-o", "json"} }, true, exitcode.OK, ""},
		{"simulate", func(f string) []string {
			return []string{"simulate", filepath.Join(filepath.Dir(f), "sim.qmp"), f}
		}, false, exitcode.Error, "a FIFO, not a regular file (simulate reads a recording again"},
		{"watch --record", func(f string) []string { return []string{"watch", mon, "--record", f} }, false, exitcode.Error, "is a FIFO that nobody reads yet"},
		{"serve --record", func(f string) []string {
			return []string{"serve", mon, "--metrics", "127.0.0.1:0", "--record", f}
		}, false, exitcode.Error, "is a FIFO that nobody reads yet"},
	} {
		t.Run(c.name, func(t *testing.T) {
			fifo := filepath.Join(t.TempDir(), "f.fifo")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(builtBinary(t), c.args(fifo)...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// If the open hangs in spite of all, the FIFO's other end
			// releases it once the test is done with it.
			t.Cleanup(func() {
				if f, err := os.OpenFile(fifo, os.O_RDWR, 0); err == nil {
					f.Close()
				}
				cmd.Process.Kill()
			})
			if c.signal {
				waitOpened(t, cmd.Process.Pid, fifo)
				cmd.Process.Signal(interrupt)
			}
			if code := waitExit(t, cmd, 10*time.Second); code != c.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, c.code, &stderr)
			}
			if c.stderr == "" && stderr.Len() > 0 || !strings.Contains(stderr.String(), c.stderr) {
				t.Errorf("stderr:\n%s\nwant %q", &stderr, c.stderr)
			}
		})
	}
}

// waitOpened waits until the process waits on the FIFO: it holds it open
// (fileguard opens it non-blocking, then polls for a writer), or a thread
// is blocked opening it (the kernel's wait_for_partner). Its signal
// handlers are set up by then, so a SIGINT is the interrupt under test, not
// the default action of a process still starting. It looks at the process,
// not at a clock.
func waitOpened(t *testing.T, pid int, path string) {
	t.Helper()
	proc := filepath.Join("/proc", strconv.Itoa(pid))
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		fds, _ := filepath.Glob(filepath.Join(proc, "fd", "*"))
		for _, f := range fds {
			if target, err := os.Readlink(f); err == nil && target == path {
				return
			}
		}
		chans, _ := filepath.Glob(filepath.Join(proc, "task", "*", "wchan"))
		for _, f := range chans {
			if b, err := os.ReadFile(f); err == nil && string(b) == "wait_for_partner" {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("qmpwatch never waited on opening %s", path)
}

// --record in a shared folder (sticky and writable by everyone, as /tmp)
// refuses a file another user planted there (issue 23 item 9): that user
// would read the events, and could add lines that replay trusts. It used to
// append to it. The file is left as it was, and nothing is dialled.
func TestRecordPlantedFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tmp")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, os.ModeSticky|0o777)
	rec := filepath.Join(dir, "rec.log")
	planted := `{"event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-shutdown"}, "timestamp": {"seconds": 1, "microseconds": 0}}` + "\n"
	if err := os.WriteFile(rec, []byte(planted), 0o666); err != nil {
		t.Fatal(err)
	}
	os.Chmod(rec, 0o666)
	if err := os.Chown(rec, 65534, 65534); err != nil {
		t.Skipf("cannot give the file to nobody (not root): %v", err)
	}
	s := conntest.NewServer(t, numberedEvents(3, 0))
	streams, _, errOut := testStreams("")
	code := run(context.Background(), []string{"watch", s.Addr, "-o", "json", "--record", rec}, streams)
	if code != exitcode.Error {
		t.Errorf("exit %d, want 1", code)
	}
	want := "qmpwatch: record: " + rec + " is owned by uid 65534 in the shared folder " + dir + ": refusing to append to it"
	if !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr:\n%s\nwant %q", errOut, want)
	}
	if b, _ := os.ReadFile(rec); string(b) != planted {
		t.Errorf("the planted file was written to:\n%s", b)
	}
	if cmds := s.Commands(); len(cmds) > 0 {
		t.Errorf("the monitor was dialled (%q) before the record was refused", cmds)
	}
}
