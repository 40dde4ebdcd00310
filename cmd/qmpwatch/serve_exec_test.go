package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/testkit/conntest"
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
	// Monitors that stay until the test ends (conntest's answering VMs
	// hang up after 10 s without a command, and serve would end).
	hold := make(chan struct{})
	holding := func(name string, events ...string) *conntest.Server {
		return conntest.NewServer(t, func(p *conntest.Peer) error {
			if err := answer(p, name, events, false); err != nil {
				return err
			}
			<-hold
			return nil
		})
	}
	a, b := holding("vm-a", events...), holding("vm-b", fakeEvents[0])
	t.Cleanup(func() { close(hold) }) // after serve stops, before the servers close
	gate := filepath.Join(t.TempDir(), "gate")
	// vm-a's first run waits for the gate while the flood arrives; vm-b's fails.
	hook := `[ "$QMPWATCH_VM" = vm-b ] && exit 3; while [ ! -e ` + gate + ` ]; do sleep 0.05; done`
	s := startServe(t, a.Addr, b.Addr, "--schema", "builtin", "--exec", hook, "--exec-queue", fmt.Sprint(queue))
	s.waitMetric(t, `qmpwatch_events_total{vm="vm-a",event="STOP"} 50`)
	s.waitMetric(t, `qmpwatch_exec_total{vm="vm-b",action="--exec",result="failed"} 1`)
	waitFor(t, s.stderr, "qmpwatch: --exec: vm-b STOP: exit status 3\n")
	waitFor(t, s.stderr, "runs dropped")
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// Whether the first event waited in the queue before its run took it
	// is a race: one run more or less is dropped. Every event is either
	// run or dropped, and the queue kept at most its bound.
	dropRE := regexp.MustCompile(`qmpwatch_events_dropped_total\{vm="vm-a",sink="exec"\} (\d+)`)
	okRE := regexp.MustCompile(`qmpwatch_exec_total\{vm="vm-a",action="--exec",result="ok"\} (\d+)`)
	var dropped, ran int
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		_, body := s.get(t, "/metrics")
		dropped, ran = metricValue(dropRE, body), metricValue(okRE, body)
		if dropped+ran == flood {
			break
		}
	}
	if dropped+ran != flood || ran > queue+1 || ran < queue {
		t.Fatalf("vm-a: %d runs ok and %d dropped, want %d in all with %d or %d run", ran, dropped, flood, queue, queue+1)
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("exit %d: %s", code, s.stderr)
	}
	said := 0
	re := regexp.MustCompile(`qmpwatch: --exec: vm-a: (\d+) runs dropped, the oldest waiting: its queue of 5 \(--exec-queue\) was full\n`)
	for _, m := range re.FindAllStringSubmatch(s.stderr.String(), -1) {
		n, _ := strconv.Atoi(m[1])
		said += n
	}
	if said != dropped {
		t.Errorf("stderr says %d dropped, want %d:\n%s", said, dropped, s.stderr)
	}
	if strings.Contains(s.stderr.String(), "not done at exit") {
		t.Errorf("runs left at exit after the gate opened:\n%s", s.stderr)
	}
}

// metricValue is the number re's first group finds in text, 0 when none.
func metricValue(re *regexp.Regexp, text string) int {
	m := re.FindStringSubmatch(text)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}
