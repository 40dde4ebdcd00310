package action

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// Each VM's runs go one at a time, in the order of its events; no more
// than Jobs go at once; every event is run.
func TestEngineOrderPerVM(t *testing.T) {
	var mu sync.Mutex
	got := map[string][]int{}
	running, most := map[string]int{}, 0
	total := 0
	run := funcRunner(func(ctx context.Context, ev *Event) (string, error) {
		mu.Lock()
		running[ev.VM]++
		total++
		if running[ev.VM] > 1 {
			t.Errorf("%s: two runs at once", ev.VM)
		}
		most = max(most, total)
		var n int
		fmt.Sscanf(string(ev.JSON[strings.Index(string(ev.JSON), `"seconds":`)+10:]), "%d", &n)
		got[ev.VM] = append(got[ev.VM], n)
		mu.Unlock()
		time.Sleep(time.Millisecond) // let the others overlap
		mu.Lock()
		running[ev.VM]--
		total--
		mu.Unlock()
		return ResultOK, nil
	})
	out := &syncBuffer{}
	e := New(Options{Jobs: 2, ErrOut: out}, &Action{Name: "--exec", Kind: KindExec, Runner: run})
	vms := []string{"vm1", "vm2", "vm3"}
	const each = 50
	for i := 0; i < each; i++ {
		for _, vm := range vms {
			e.Deliver(event(t, vm, "STOP", i, ""))
		}
	}
	e.Close()
	for _, vm := range vms {
		if len(got[vm]) != each {
			t.Fatalf("%s: %d runs, want %d", vm, len(got[vm]), each)
		}
		for i, n := range got[vm] {
			if n != i {
				t.Fatalf("%s: run %d was event %d: order lost (%v)", vm, i, n, got[vm])
			}
		}
	}
	if most > 2 {
		t.Errorf("%d runs at once, want at most --exec-jobs 2", most)
	}
	if out.String() != "" {
		t.Errorf("stderr: %q, want nothing", out)
	}
}

// A flood that outruns the hook: the queue keeps the newest Queue runs,
// the rest are dropped, said with a count and counted; memory follows the
// bound, not the flood.
func TestEngineFloodDrops(t *testing.T) {
	gate := make(chan struct{})
	started := make(chan struct{}, 1)
	var mu sync.Mutex
	var ran []int
	run := funcRunner(func(ctx context.Context, ev *Event) (string, error) {
		select {
		case started <- struct{}{}:
		default:
		}
		<-gate
		var n int
		fmt.Sscanf(string(ev.JSON[strings.Index(string(ev.JSON), `"seconds":`)+10:]), "%d", &n)
		mu.Lock()
		ran = append(ran, n)
		mu.Unlock()
		return ResultOK, nil
	})
	out, c := &syncBuffer{}, newCounts()
	const queue, flood = 10, 5000
	e := New(Options{Queue: queue, QueueFlag: "--exec-queue", ErrOut: out, Dropped: c.Dropped, Ran: c.Ran, Every: 10 * time.Millisecond},
		&Action{Name: "--exec", Kind: KindExec, Runner: run})
	e.Deliver(event(t, "vm1", "STOP", 0, ""))
	<-started // the first run holds the worker: every other event waits
	for i := 1; i < flood; i++ {
		e.Deliver(event(t, "vm1", "STOP", i, ""))
	}
	e.mu.Lock()
	for _, q := range e.queues {
		if q.ring.n != queue || len(q.ring.buf) > queue {
			t.Errorf("queue holds %d runs in a buffer of %d, want %d in at most %d", q.ring.n, len(q.ring.buf), queue, queue)
		}
	}
	e.mu.Unlock()
	close(gate)
	e.Close()
	wantDropped := flood - 1 - queue
	if n := c.get(c.dropped, "vm1 exec"); n != wantDropped {
		t.Errorf("counted %d dropped, want %d", n, wantDropped)
	}
	// The oldest waiting were dropped: the first run, then the newest ten.
	want := []int{0}
	for i := flood - queue; i < flood; i++ {
		want = append(want, i)
	}
	if fmt.Sprint(ran) != fmt.Sprint(want) {
		t.Errorf("ran %v, want %v", ran, want)
	}
	said := 0
	for _, l := range out.Lines() {
		var n int
		if _, err := fmt.Sscanf(l, "qmpwatch: --exec: vm1: %d runs dropped, the oldest waiting: its queue of 10 (--exec-queue) was full", &n); err != nil {
			t.Errorf("unexpected line %q", l)
			continue
		}
		said += n
	}
	if said != wantDropped {
		t.Errorf("said %d dropped, want %d:\n%s", said, wantDropped, out)
	}
	if n := c.get(c.ran, "vm1 exec --exec ok"); n != queue+1 {
		t.Errorf("%d runs counted ok, want %d", n, queue+1)
	}
}

// At the end, queued runs get the grace to finish; a run still going
// after it is killed, the runs never started are counted as dropped, and
// both are said.
func TestEngineCloseGrace(t *testing.T) {
	run := funcRunner(func(ctx context.Context, ev *Event) (string, error) {
		if ev.VM == "fast" {
			return ResultOK, nil
		}
		<-ctx.Done() // a hook that hangs until killed
		return ResultTimeout, ctx.Err()
	})
	out, c := &syncBuffer{}, newCounts()
	e := New(Options{Grace: 50 * time.Millisecond, ErrOut: out, Dropped: c.Dropped, Ran: c.Ran},
		&Action{Name: "--exec", Kind: KindExec, Runner: run})
	for i := 0; i < 3; i++ {
		e.Deliver(event(t, "slow", "STOP", i, ""))
		e.Deliver(event(t, "fast", "STOP", i, ""))
	}
	e.Close()
	if n := c.get(c.ran, "fast exec --exec ok"); n != 3 {
		t.Errorf("fast VM: %d runs ok, want 3", n)
	}
	if n := c.get(c.dropped, "slow exec"); n != 2 {
		t.Errorf("slow VM: %d dropped at exit, want 2", n)
	}
	if n := c.get(c.ran, "slow exec --exec timeout"); n != 1 {
		t.Errorf("slow VM: %d runs killed, want 1", n)
	}
	want := "qmpwatch: --exec: 2 runs not done at exit, after 50ms (slow 2)\nqmpwatch: 1 runs killed at exit, after 50ms\n"
	if out.String() != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", out, want)
	}
}

// An action's own filters choose its events; the others never run it.
func TestEngineActionFilter(t *testing.T) {
	spec := &Spec{Name: "io", Events: []string{"BLOCK_IO_*"}, Where: []string{"action==stop"}, Exec: []string{"true"}}
	a, err := spec.Compile(Run{Timeout: time.Second, Out: &syncBuffer{}})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []string
	a.Runner = funcRunner(func(ctx context.Context, ev *Event) (string, error) {
		mu.Lock()
		got = append(got, ev.Name+" "+ev.Summary)
		mu.Unlock()
		return ResultOK, nil
	})
	e := New(Options{ErrOut: &syncBuffer{}}, a)
	e.Deliver(event(t, "vm1", "STOP", 1, ""))
	e.Deliver(event(t, "vm1", "BLOCK_IO_ERROR", 2, `{"device":"d0","operation":"write","action":"report","nospace":false,"reason":"x"}`))
	e.Deliver(event(t, "vm1", "BLOCK_IO_ERROR", 3, `{"device":"d0","operation":"write","action":"stop","nospace":false,"reason":"x"}`))
	e.Close()
	if len(got) != 1 || !strings.HasPrefix(got[0], "BLOCK_IO_ERROR write error on d0") {
		t.Errorf("ran %q, want the one BLOCK_IO_ERROR with action stop", got)
	}
}
