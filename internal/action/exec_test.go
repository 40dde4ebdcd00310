package action

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A hook gets the event's -o json line on stdin and its parts in the
// environment, each escaped for a terminal.
func TestCommandInputs(t *testing.T) {
	dir := t.TempDir()
	out := &syncBuffer{}
	c := &Command{Shell: `cat > ` + dir + `/stdin; env | grep -E '^QMPWATCH_(EVENT|VM|HOST|TIME|SUMMARY)=' | sort > ` + dir + `/env; echo "said $QMPWATCH_EVENT"`,
		Host: "host\x1b1", Timeout: 10 * time.Second, Out: out}
	ev := newEvent(event(t, "vm\u202e1", "RESET", 1795240036, `{"guest":true,"reason":"guest-reset"}`))
	if res, err := c.Run(context.Background(), ev); res != ResultOK {
		t.Fatalf("run: %s %v", res, err)
	}
	stdin, _ := os.ReadFile(filepath.Join(dir, "stdin"))
	if string(stdin) != string(ev.JSON) {
		t.Errorf("stdin %q, want the -o json line %q", stdin, ev.JSON)
	}
	env, _ := os.ReadFile(filepath.Join(dir, "env"))
	want := `QMPWATCH_EVENT=RESET
QMPWATCH_HOST=host\x1b1
QMPWATCH_SUMMARY=guest reset the VM (guest-reset)
QMPWATCH_TIME=2026-11-21T05:47:16.123456Z
QMPWATCH_VM=vm\u202e1
`
	if string(env) != want {
		t.Errorf("environment:\n%s\nwant:\n%s", env, want)
	}
	if out.String() != "said RESET\n" {
		t.Errorf("the hook's output went as %q, want it on stderr", out)
	}
}

// Failures: a non-zero exit, a command the shell cannot find, a hook that
// hangs (killed at the timeout with what it started), output that tries
// to reach the terminal.
func TestCommandFailures(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name, shell string
		result, err string
		out         string
	}{
		{"exit", "echo oops >&2; exit 3", ResultFailed, "exit status 3", "oops\n"},
		{"not found", "qmpwatch-no-such-command", ResultFailed, "exit status 127", "not found"},
		{"hang", "sleep 60 & echo $! > " + dir + "/child; sleep 60", ResultTimeout, "killed after 200ms (--exec-timeout)", ""},
		{"escape", `printf 'a\033]0;title\007b\nno newline'`, ResultOK, "", "a\\x1b]0;title\\x07b\nno newline\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := &syncBuffer{}
			cmd := &Command{Shell: c.shell, Timeout: 200 * time.Millisecond, TimeoutFlag: "--exec-timeout", Out: out}
			res, err := cmd.Run(context.Background(), newEvent(event(t, "vm1", "STOP", 1, "")))
			if res != c.result || (err == nil) != (c.err == "") || err != nil && err.Error() != c.err {
				t.Errorf("got %s %v, want %s %q", res, err, c.result, c.err)
			}
			if !strings.Contains(out.String(), c.out) {
				t.Errorf("output %q, want %q in it", out, c.out)
			}
		})
	}
	// The hang's background child was in the run's process group: gone too.
	b, err := os.ReadFile(filepath.Join(dir, "child"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	for i := 0; i < 100 && alive(pid); i++ {
		time.Sleep(10 * time.Millisecond) // SIGKILL sent; the kernel may not have acted yet
	}
	if alive(pid) {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Errorf("the hook's child %d outlived the timeout", pid)
	}
}

// alive says whether a process runs: a zombie (killed, not yet reaped by
// whoever inherited it) does not.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// An exec action runs its argv without a shell, each argument a template.
func TestCommandArgv(t *testing.T) {
	dir := t.TempDir()
	spec := &Spec{Name: "page", Exec: []string{"/bin/sh", "-c", `printf '%s|' "$@" > ` + dir + `/args`, "sh", "--vm", "{{.VM}}", "{{.Event}}: {{.Summary}}", "{{.Data.reason}}"}}
	a, err := spec.Compile(Run{Timeout: 10 * time.Second, Out: &syncBuffer{}})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := a.Runner.Run(context.Background(), newEvent(event(t, "db;1", "SHUTDOWN", 1, `{"guest":true,"reason":"guest-shutdown"}`))); res != ResultOK {
		t.Fatalf("run: %s %v", res, err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "args"))
	if want := "--vm|db;1|SHUTDOWN: guest shut down|guest-shutdown|"; string(b) != want {
		t.Errorf("args %q, want %q", b, want)
	}
}
