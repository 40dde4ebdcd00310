package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
)

// TestWaitForJobRealQEMU uses qmpwatch the way a script waits for a block
// job on a real QEMU: the first watcher must ignore job0's READY and exit 0
// on job1's, printing exactly that event; the second waits with --until for
// the completion.
func TestWaitForJobRealQEMU(t *testing.T) {
	vm := qemutest.Start(t, qemutest.Options{Name: "vm-jobs"})
	vm.AddDisk(t, "disk0", 4<<20)
	vm.AddDisk(t, "disk1", 4<<20)

	cmd, stdout, stderr := startWatch(t, "watch", vm.Monitor, "-o", "json",
		"-e", "BLOCK_JOB_READY", "-w", "device==job1", "-n", "1", "--timeout", "30s")
	ready0 := vm.Mirror(t, "job0", "disk0")
	ready1 := vm.Mirror(t, "job1", "disk1")
	if code := waitExit(t, cmd, 60*time.Second); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	want := strings.TrimSuffix(string(decode.AppendCompact(nil, ready1)), "}") + `,"vm":"vm-jobs"}` + "\n"
	if stdout.String() != want {
		t.Errorf("stdout:\n%s\nwant job1's READY as QEMU sent it:\n%s(job0's was %s)", stdout, want, ready0)
	}

	// A QMP monitor serves one client at a time: the next watcher connects
	// once the first has gone.
	cmd, stdout, stderr = startWatch(t, "watch", vm.Monitor, "-o", "json",
		"-e", "BLOCK_JOB_*", "--until", "block_job_completed", "--timeout", "30s")
	done := vm.CompleteJob(t, "job1")
	if code := waitExit(t, cmd, 60*time.Second); code != 0 {
		t.Fatalf("--until: exit %d, stderr:\n%s", code, stderr)
	}
	var e struct {
		Event string
		Data  struct{ Device string }
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &e); err != nil || e.Event != "BLOCK_JOB_COMPLETED" || e.Data.Device != "job1" {
		t.Errorf("--until: last line %q (%v), want job1's BLOCK_JOB_COMPLETED %s", lines[len(lines)-1], err, done)
	}
	for _, l := range lines {
		if !strings.Contains(l, `"event":"BLOCK_JOB_`) {
			t.Errorf("--until printed an event -e excludes: %s", l)
		}
	}
}

// TestWaitTimesOutRealQEMU: with no job running, the same wait ends with
// exit 4 and says what did not arrive.
func TestWaitTimesOutRealQEMU(t *testing.T) {
	vm := qemutest.Start(t, qemutest.Options{Name: "vm-idle"})
	cmd, stdout, stderr := startWatch(t, "watch", vm.Monitor, "-o", "json",
		"-e", "BLOCK_JOB_READY", "-w", "device==job1", "-n", "1", "--timeout", "1s")
	// Events that must not count: the VM stops and resumes meanwhile.
	vm.MustDo(t, "stop", nil)
	vm.MustDo(t, "cont", nil)
	if code := waitExit(t, cmd, 30*time.Second); code != exitcode.Timeout {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitcode.Timeout, stderr)
	}
	if stdout.String() != "" {
		t.Errorf("stdout should be empty, got:\n%s", stdout)
	}
	if !strings.HasSuffix(stderr.String(), "qmpwatch: timeout: 0 of 1 events within 1s\n") {
		t.Errorf("stderr should end with the timeout line:\n%s", stderr)
	}
}
