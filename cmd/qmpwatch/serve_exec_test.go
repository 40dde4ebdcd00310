package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// serve --exec under a flood that outruns the hook: the queue keeps
// --exec-queue runs, the rest are dropped, said on stderr and counted in
// qmpwatch_events_dropped_total{sink="exec"}; runs and failures are
// counted in qmpwatch_exec_total.
func TestServeExecFlood(t *testing.T) {
	const flood, queue = 50, 5
	events := make([]string, flood)
	for i := range events {
		events[i] = fmt.Sprintf(`{"timestamp": {"seconds": 1700000000, "microseconds": %d}, "event": "STOP"}`, i)
	}
	a := answeringVM(t, "vm-a", events...)
	b := answeringVM(t, "vm-b", fakeEvents[0])
	gate := filepath.Join(t.TempDir(), "gate")
	// vm-a's first run waits for the gate while the flood arrives; vm-b's fails.
	hook := `[ "$QMPWATCH_VM" = vm-b ] && exit 3; while [ ! -e ` + gate + ` ]; do sleep 0.05; done`
	s := startServe(t, a.Addr, b.Addr, "--schema", "builtin", "--exec", hook, "--exec-queue", fmt.Sprint(queue))
	dropped := flood - 1 - queue
	s.waitMetric(t, fmt.Sprintf(`qmpwatch_events_dropped_total{vm="vm-a",sink="exec"} %d`, dropped))
	s.waitMetric(t, `qmpwatch_exec_total{vm="vm-b",action="--exec",result="failed"} 1`)
	waitFor(t, s.stderr, "qmpwatch: --exec: vm-b STOP: exit status 3\n")
	waitFor(t, s.stderr, "runs dropped")
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s.waitMetric(t, fmt.Sprintf(`qmpwatch_exec_total{vm="vm-a",action="--exec",result="ok"} %d`, queue+1))
	if code := s.stop(t); code != 0 {
		t.Errorf("exit %d: %s", code, s.stderr)
	}
	said := 0
	re := regexp.MustCompile(`qmpwatch: --exec: vm-a: (\d+) runs dropped, the oldest waiting: its queue of 5 \(--exec-queue\) was full\n`)
	for _, m := range re.FindAllStringSubmatch(s.stderr.String(), -1) {
		var n int
		fmt.Sscan(m[1], &n)
		said += n
	}
	if said != dropped {
		t.Errorf("stderr says %d dropped, want %d:\n%s", said, dropped, s.stderr)
	}
	if strings.Contains(s.stderr.String(), "not done at exit") {
		t.Errorf("runs left at exit after the gate opened:\n%s", s.stderr)
	}
}
