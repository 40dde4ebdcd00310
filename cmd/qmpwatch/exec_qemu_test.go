package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
)

// --exec against a real QEMU: every hook's stdin is the -o json line of
// its event and its environment names that event, in the order of the
// stream.
func TestExecRealQEMU(t *testing.T) {
	vm := qemutest.Start(t, qemutest.Options{Name: "vm1"})
	dir := t.TempDir()
	hook := `cat >> ` + dir + `/stdin.jsonl; echo "$QMPWATCH_VM $QMPWATCH_EVENT $QMPWATCH_TIME $QMPWATCH_HOST" >> ` + dir + `/env.txt`
	cmd, stdout, stderr := startWatch(t, "watch", vm.Monitor, "-o", "json", "--exec", hook)
	vm.MustDo(t, "stop", nil)
	vm.WaitEvent(t, "STOP", 10*time.Second)
	vm.MustDo(t, "cont", nil)
	vm.WaitEvent(t, "RESUME", 10*time.Second)
	vm.MustDo(t, "system_reset", nil)
	vm.WaitEvent(t, "RESET", 10*time.Second)
	vm.Do("quit", nil)
	if code := waitExit(t, cmd, 60*time.Second); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	stdin, _ := os.ReadFile(filepath.Join(dir, "stdin.jsonl"))
	if string(stdin) != stdout.String() || !strings.Contains(stdout.String(), `"event":"RESET"`) {
		t.Errorf("the hooks read:\n%s\nqmpwatch printed:\n%s", stdin, stdout)
	}
	host, _ := os.Hostname()
	var want strings.Builder
	for _, line := range strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n") {
		var ev struct {
			Event     string `json:"event"`
			VM        string `json:"vm"`
			Timestamp struct{ Seconds, Microseconds int64 }
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatal(err)
		}
		at := time.Unix(ev.Timestamp.Seconds, ev.Timestamp.Microseconds*1000).UTC().Format("2006-01-02T15:04:05.000000Z07:00")
		want.WriteString(ev.VM + " " + ev.Event + " " + at + " " + host + "\n")
	}
	if env, _ := os.ReadFile(filepath.Join(dir, "env.txt")); string(env) != want.String() {
		t.Errorf("the hooks' environment:\n%s\nwant:\n%s", env, want.String())
	}
}

// A hook that hangs holds up neither the stream nor the other events'
// runs for longer than --exec-timeout: it is killed then, with what it
// started. A hook that fails is one line on stderr. Both against a real
// QEMU.
func TestExecHangAndFailRealQEMU(t *testing.T) {
	vm := qemutest.Start(t, qemutest.Options{Name: "vm1"})
	dir := t.TempDir()
	hook := `case $QMPWATCH_EVENT in
STOP) touch ` + dir + `/hanging; sleep 600;;
RESUME) echo "cannot page" >&2; exit 3;;
*) cat >> ` + dir + `/ran.jsonl;;
esac`
	cmd, stdout, stderr := startWatch(t, "watch", vm.Monitor, "-o", "json", "--exec", hook, "--exec-timeout", "5s")
	vm.MustDo(t, "stop", nil)
	vm.WaitEvent(t, "STOP", 10*time.Second)
	waitForPath(t, filepath.Join(dir, "hanging"))
	// The STOP hook hangs: the stream goes on all the same.
	vm.MustDo(t, "cont", nil)
	vm.MustDo(t, "system_reset", nil)
	vm.WaitEvent(t, "RESET", 10*time.Second)
	waitFor(t, stdout, `"event":"RESET"`)
	if strings.Contains(stderr.String(), "killed after") {
		t.Fatalf("the hook was killed before the stream went on: %s", stderr)
	}
	vm.Do("quit", nil)
	if code := waitExit(t, cmd, 60*time.Second); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	for _, want := range []string{
		"qmpwatch: --exec: vm1 STOP: killed after 5s (--exec-timeout)\n",
		"cannot page\nqmpwatch: --exec: vm1 RESUME: exit status 3\n",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	var want strings.Builder
	for _, line := range strings.SplitAfter(stdout.String(), "\n") {
		if line != "" && !strings.Contains(line, `"event":"STOP"`) && !strings.Contains(line, `"event":"RESUME"`) {
			want.WriteString(line)
		}
	}
	if ran, _ := os.ReadFile(filepath.Join(dir, "ran.jsonl")); string(ran) != want.String() || want.Len() == 0 {
		t.Errorf("the runs after the hanging one read:\n%s\nwant:\n%s", ran, want.String())
	}
}
