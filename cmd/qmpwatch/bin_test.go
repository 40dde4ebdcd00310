package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// builtBinary builds qmpwatch once per test run, for tests that run it as a
// user would: as a separate process, with real signals and pipes.
func builtBinary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		removeStaleBinaries()
		dir, err := os.MkdirTemp("", fmt.Sprintf("qmpwatch-bin-%d-", os.Getpid()))
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "qmpwatch")
		out, err := exec.Command("go", "build", "-race", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = &buildError{out: string(out), err: err}
		}
	})
	if binErr != nil {
		t.Fatalf("building qmpwatch: %v", binErr)
	}
	return binPath
}

// cleanAfter runs the tests, then removes the folder of the built binary:
// about 34 MB under the temporary folder, per run.
type cleanAfter struct{ m *testing.M }

func (c cleanAfter) Run() int {
	code := c.m.Run()
	removeBuiltBinary()
	return code
}

func removeBuiltBinary() {
	if binPath != "" {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
}

// removeStaleBinaries removes the binary folders of earlier test runs that
// were killed (a -timeout, a SIGKILL) before cleanAfter could: each folder
// names the pid of its run, and a run whose process is gone left it.
func removeStaleBinaries() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "qmpwatch-bin-*-*"))
	for _, d := range dirs {
		var pid int
		if _, err := fmt.Sscanf(filepath.Base(d), "qmpwatch-bin-%d-", &pid); err != nil || pid <= 0 {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			_ = os.RemoveAll(d)
		}
	}
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// TestBuiltBinaryRemoved: a run of this package's tests leaves no folder of
// its built binary behind. It runs itself again in a child that builds the
// binary, with a temporary folder of its own, and looks into that folder.
func TestBuiltBinaryRemoved(t *testing.T) {
	if os.Getenv("QMPWATCH_BUILT_BINARY_CHILD") == "1" {
		if _, err := os.Stat(builtBinary(t)); err != nil {
			t.Fatal(err)
		}
		return
	}
	tmp := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBuiltBinaryRemoved$", "-test.count=1")
	cmd.Env = append(os.Environ(), "QMPWATCH_BUILT_BINARY_CHILD=1", "TMPDIR="+tmp)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child run: %v\n%s", err, out)
	}
	left, err := filepath.Glob(filepath.Join(tmp, "qmpwatch-bin*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("the tests left %v behind", left)
	}
}

// A binary folder left by a killed run (its pid gone) is removed by the
// next run; one of a run still alive is kept.
func TestStaleBinariesRemoved(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(tmp, fmt.Sprintf("qmpwatch-bin-%d-1", gone.Process.Pid))
	live := filepath.Join(tmp, fmt.Sprintf("qmpwatch-bin-%d-2", os.Getpid()))
	for _, d := range []string{stale, live} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	removeStaleBinaries()
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("%s of a run that is gone was kept", stale)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("%s of a live run was removed: %v", live, err)
	}
}
