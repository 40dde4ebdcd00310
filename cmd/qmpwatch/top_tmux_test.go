package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
)

// paneTimeout bounds each wait for the screen; generous, for a loaded
// 2-core machine running a race build.
const paneTimeout = 90 * time.Second

// pane is a tmux session on a private server, running one command.
type pane struct {
	t      *testing.T
	tmux   string
	server string
}

// startPane runs cmd in a detached w×h tmux session on a private server
// (-L), with an empty config, and stops the server when the test ends. The
// command is followed by its exit status, and the pane stays open for it.
func startPane(t *testing.T, w, h int, cmd string) *pane {
	t.Helper()
	p := &pane{t: t, tmux: qemutest.NeedProgram(t, "tmux"), server: fmt.Sprintf("qmpwatch-test-%d-%d", os.Getpid(), time.Now().UnixNano())}
	shell := cmd + `; echo "qmpwatch-exit=$?"; sleep 600`
	out, err := exec.Command(p.tmux, "-L", p.server, "-f", "/dev/null", "new-session", "-d", "-s", "t",
		"-x", strconv.Itoa(w), "-y", strconv.Itoa(h), shell).CombinedOutput()
	if err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command(p.tmux, "-L", p.server, "kill-server").Run() })
	return p
}

// capture is the pane's text now, colours stripped.
func (p *pane) capture() string {
	out, err := exec.Command(p.tmux, "-L", p.server, "capture-pane", "-p", "-t", "t").CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux capture-pane: %v\n%s", err, out)
	}
	return string(out)
}

// keys types keys into the pane.
func (p *pane) keys(k ...string) {
	args := append([]string{"-L", p.server, "send-keys", "-t", "t"}, k...)
	if out, err := exec.Command(p.tmux, args...).CombinedOutput(); err != nil {
		p.t.Fatalf("tmux send-keys: %v\n%s", err, out)
	}
}

// waitFor captures until ok says yes, and returns that capture.
func (p *pane) waitFor(what string, ok func(string) bool) string {
	p.t.Helper()
	deadline := time.Now().Add(paneTimeout)
	var last string
	for time.Now().Before(deadline) {
		last = p.capture()
		if ok(last) {
			return last
		}
		time.Sleep(150 * time.Millisecond)
	}
	p.t.Fatalf("the screen never showed %s; last capture:\n%s", what, last)
	return ""
}

func hasAll(words ...string) func(string) bool {
	return func(s string) bool {
		for _, w := range words {
			if !strings.Contains(s, w) {
				return false
			}
		}
		return true
	}
}

// twoVMs starts a VM with a 64 MiB disk holding 48 MiB of data, to mirror,
// and a second VM to pause.
func twoVMs(t *testing.T) (copying, held *qemutest.VM) {
	qemutest.Need(t)
	copying = qemutest.Start(t, qemutest.Options{Name: "vm-copy"})
	held = qemutest.Start(t, qemutest.Options{Name: "vm-held"})
	copying.AddFilledDisk(t, "disk0", 64<<20, 48<<20)
	return copying, held
}

// percentOf reads the first percentage the pattern captures, -1 if none.
func percentOf(re *regexp.Regexp, screen string) int {
	m := re.FindStringSubmatch(screen)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// followMirror starts the throttled mirror and checks what the screen says
// of it: a progress figure that grows between two captures, then ready,
// then (after block-job-complete) completed; then q leaves cleanly.
func followMirror(t *testing.T, p *pane, copying *qemutest.VM, progress *regexp.Regexp, ready, completed string) {
	t.Helper()
	copying.StartThrottledMirror(t, "m1", "disk0", 64<<20, 8<<20, 1<<20)
	var first int
	p.waitFor("a first progress figure below 100%", func(s string) bool {
		first = percentOf(progress, s)
		return first >= 0 && first < 100
	})
	second := p.waitFor("a progress figure above "+strconv.Itoa(first)+"%", func(s string) bool {
		n := percentOf(progress, s)
		return n > first
	})
	t.Logf("progress %d%%, then %d%%:\n%s", first, percentOf(progress, second), second)
	copying.WaitEventFunc(t, "BLOCK_JOB_READY", paneTimeout, qemutest.DataIs("device", "m1"))
	p.waitFor(ready, hasAll(ready))
	copying.CompleteJob(t, "m1")
	p.waitFor(completed, hasAll(completed))
	p.keys("q")
	end := p.waitFor("a clean exit", hasAll("qmpwatch-exit=0"))
	if strings.Contains(end, "qmpwatch top ·") || strings.Contains(end, "qmpwatch jobs ·") {
		t.Errorf("the screen was not restored after q:\n%s", end)
	}
}

func TestTopInRealTerminal(t *testing.T) {
	bin := builtBinary(t)
	copying, held := twoVMs(t)
	p := startPane(t, 160, 45, bin+" top "+copying.Monitor+" "+held.Monitor)
	p.waitFor("both VMs", hasAll("vm-copy", "vm-held", "running"))
	held.MustDo(t, "stop", nil)
	p.waitFor("vm-held paused", func(s string) bool {
		return regexp.MustCompile(`vm-held .*paused`).MatchString(s)
	})
	followMirror(t, p, copying, regexp.MustCompile(`mirror m1 [█░]+ (\d+)%`), "BLOCK_JOB_READY", "BLOCK_JOB_COMPLETED")
}

func TestTopAt80x24(t *testing.T) {
	bin := builtBinary(t)
	copying, held := twoVMs(t)
	p := startPane(t, 80, 24, bin+" top "+copying.Monitor+" "+held.Monitor)
	held.MustDo(t, "stop", nil)
	s := p.waitFor("both VMs, one paused", hasAll("vm-copy", "vm-held", "paused"))
	copying.StartThrottledMirror(t, "m1", "disk0", 64<<20, 8<<20, 1<<20)
	s = p.waitFor("the mirror's progress", func(s string) bool {
		return regexp.MustCompile(`m1 [█░]+ [1-9]\d*%`).MatchString(s)
	})
	t.Logf("at 80x24:\n%s", s)
	for i, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if n := len([]rune(l)); n > 80 {
			t.Errorf("line %d is %d wide at 80 columns: %q", i+1, n, l)
		}
	}
	p.keys("q")
	p.waitFor("a clean exit", hasAll("qmpwatch-exit=0"))
}

func TestJobsInRealTerminal(t *testing.T) {
	bin := builtBinary(t)
	copying, held := twoVMs(t)
	p := startPane(t, 160, 45, bin+" jobs "+copying.Monitor+" "+held.Monitor)
	p.waitFor("both VMs", hasAll("vm-copy", "vm-held", "no block jobs"))
	held.MustDo(t, "stop", nil)
	p.waitFor("vm-held paused", hasAll("vm-held: paused"))
	followMirror(t, p, copying, regexp.MustCompile(`MiB / 64 MiB (\d+)%`), "ready", "completed")
}

func TestTopRefusesAPipe(t *testing.T) {
	streams, out, errOut := testStreams("")
	code := run(t.Context(), []string{"top", "/nonexistent.qmp"}, streams)
	lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
	if code != exitcode.Usage || out.Len() != 0 || len(lines) != 1 ||
		!strings.Contains(lines[0], "watch -o json") || !strings.Contains(lines[0], "jobs -o json") {
		t.Fatalf("exit %d, stdout %q, stderr %q: want exit 2 and one line pointing to watch -o json and jobs -o json", code, out, errOut)
	}
}

// top takes the sources watch takes, through the same Merge: a glob, then
// --dir with --reconnect (two real QEMUs whose sockets are linked into one
// folder), with the job's progress polled on the connections the folder
// watch opened.
func TestTopGlobAndDirInRealTerminal(t *testing.T) {
	bin := builtBinary(t)
	copying, held := twoVMs(t)
	dir := t.TempDir()
	for name, vm := range map[string]*qemutest.VM{"copy.qmp": copying, "held.qmp": held} {
		if err := os.Symlink(vm.Monitor, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	glob := startPane(t, 160, 45, bin+" top '"+dir+"/*.qmp'")
	glob.waitFor("both VMs from the glob", hasAll("vm-copy", "vm-held", "2 VMs"))
	glob.keys("q")
	glob.waitFor("a clean exit", hasAll("qmpwatch-exit=0"))

	p := startPane(t, 160, 45, bin+" top --dir "+dir+" --reconnect --interval 500ms")
	p.waitFor("both VMs from the folder", hasAll("vm-copy", "vm-held", "2 VMs"))
	held.MustDo(t, "stop", nil)
	p.waitFor("vm-held paused", func(s string) bool {
		return regexp.MustCompile(`vm-held .*paused`).MatchString(s)
	})
	followMirror(t, p, copying, regexp.MustCompile(`mirror m1 [█░]+ (\d+)%`), "BLOCK_JOB_READY", "BLOCK_JOB_COMPLETED")
}
