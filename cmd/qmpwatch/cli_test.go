package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/testkit/golden"
)

// TestMain lets the test binary stand in for the qmpwatch binary in the
// scripts of testdata/cli: testscript runs it as `qmpwatch ARGS` (and as
// `code N qmpwatch ARGS`, which checks the exit code), so every case goes
// through run() exactly as main does.
//
// The folder of the binary built for the tests (builtBinary) is removed once
// the tests have run.
func TestMain(m *testing.M) {
	testscript.Main(cleanAfter{m}, map[string]func(){
		"qmpwatch": func() { os.Exit(mainRun(os.Args[1:])) },
		"code":     func() { os.Exit(checkCode(os.Args[1:])) },
	})
}

// checkCode runs `code N qmpwatch ARGS...`: qmpwatch with ARGS, and succeeds
// only when it exits with N. Its stdout and stderr are qmpwatch's own, so a
// script checks them as after any exec.
func checkCode(args []string) int {
	if len(args) < 2 || args[1] != "qmpwatch" {
		fmt.Fprintln(os.Stderr, "usage: code N qmpwatch ARGS...")
		return 100
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		fmt.Fprintf(os.Stderr, "code: %v\n", err)
		return 100
	}
	if got := mainRun(args[2:]); got != want {
		fmt.Fprintf(os.Stderr, "code: qmpwatch exited %d, want %d\n", got, want)
		return 101
	}
	return 0
}

// TestCLI runs the table of command-line cases in testdata/cli/*.txtar: each
// case is a short script with the arguments, the input (a recording of a real
// QEMU from testdata/recordings, a log from testdata/replay, or a file in the
// archive), the environment, and the expected stdout, stderr and exit code.
//
// In a script:
//   - rec/ and logs/ are testdata/recordings and testdata/replay;
//   - TZ=UTC, HOME and XDG_CONFIG_HOME are the script's own folder, and no
//     QMPWATCH_* or NO_COLOR variable is set unless the script sets it;
//   - `code N qmpwatch ARGS` checks the exit code; `waitsock PATH` waits for a
//     unix socket (of a `qmpwatch simulate PATH FILE --once ... &` started
//     before) to appear;
//   - `waitfor FILE REGEXP` waits until a file that a background command
//     writes has a line matching REGEXP (for commands that run until
//     interrupted, such as --reconnect and --dir);
//   - `# known bug: issue N` marks an expectation that records a bug listed in
//     that issue: whoever fixes it updates the case.
//
// QMPWATCH_UPDATE=1 go test ./cmd/qmpwatch -run TestCLI rewrites the expected
// stdout and stderr files of every case (`cmp` lines) from today's output; the
// same variable rewrites every other golden file in the repository.
func TestCLI(t *testing.T) {
	recs, err := filepath.Abs("../../testdata/recordings")
	if err != nil {
		t.Fatal(err)
	}
	logs, err := filepath.Abs("../../testdata/replay")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testdata/cli",
		UpdateScripts:       golden.Update(),
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("TZ", "UTC")
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, ".config"))
			if err := os.Symlink(recs, filepath.Join(env.WorkDir, "rec")); err != nil {
				return err
			}
			return os.Symlink(logs, filepath.Join(env.WorkDir, "logs"))
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitsock": cmdWaitSock,
			"waitfor":  cmdWaitFor,
		},
	})
}

// cmdWaitSock waits (generously: the machine may be loaded) until the socket
// file a background `qmpwatch simulate PATH ...` creates exists. It does not
// connect, so a simulate started with --once keeps its one session for the
// qmpwatch command under test.
func cmdWaitSock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitsock PATH")
	}
	path := ts.MkAbs(args[0])
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("no socket at %s after 60s", args[0])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cmdWaitFor waits (generously) until FILE has a line matching REGEXP: the
// way a script knows that a command which runs until interrupted has written
// what it is tested for, without guessing a delay.
func cmdWaitFor(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitfor FILE REGEXP")
	}
	re, err := regexp.Compile("(?m)" + args[1])
	ts.Check(err)
	path := ts.MkAbs(args[0])
	deadline := time.Now().Add(60 * time.Second)
	for {
		if b, err := os.ReadFile(path); err == nil && re.Match(b) {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("no line matching %q in %s after 60s", args[1], args[0])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testStreams are streams backed by buffers, stdin reading in.
func testStreams(in string) (*iostreams.Streams, *bytes.Buffer, *bytes.Buffer) {
	return iostreams.Test(in)
}
