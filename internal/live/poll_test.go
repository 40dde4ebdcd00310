package live

import (
	"context"
	"sync"
	"testing"
	"time"
)

// fakeQuerier holds each reply until the test releases it.
type fakeQuerier struct {
	mu    sync.Mutex
	cmds  []string
	dones []func([]byte, error)
}

func (f *fakeQuerier) QueryAsync(cmd string, _ any, done func([]byte, error)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cmds = append(f.cmds, cmd)
	f.dones = append(f.dones, done)
	return nil
}

func (f *fakeQuerier) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.cmds)
}

// Ticks that come while a reply is awaited send nothing: one query at a
// time, so one reply per tick at most, and none while inactive.
func TestPollerOneAtATime(t *testing.T) {
	q := &fakeQuerier{}
	got := make(chan Progress, 16)
	p := NewPoller(q, func(pr Progress) { got <- pr })
	ticks := make(chan time.Time)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Run(ctx, ticks)
	t0 := time.Unix(1700000000, 0)
	p.SetActive(true)
	for i := 1; i <= 3; i++ {
		ticks <- t0.Add(time.Duration(i) * time.Second)
	}
	ticks <- t0.Add(4 * time.Second) // Run has taken the third tick once this one is taken
	if n := q.count(); n != 1 {
		t.Fatalf("%d queries with one reply outstanding, want 1", n)
	}
	q.dones[0]([]byte(`[{"device": "m1", "type": "mirror", "len": 100, "offset": 10, "speed": 0, "status": "running"}]`), nil)
	pr := <-got
	if !pr.At.Equal(t0.Add(time.Second)) || len(pr.Jobs) != 1 || pr.Jobs[0].Offset != "10" {
		t.Fatalf("progress %+v, want m1 at 10 read at the first active tick", pr)
	}
	ticks <- t0.Add(5 * time.Second)
	ticks <- t0.Add(6 * time.Second)
	if n := q.count(); n != 2 || q.cmds[1] != "query-block-jobs" {
		t.Fatalf("queries %v, want a second query-block-jobs after the reply", q.cmds)
	}
	q.dones[1]([]byte(`[]`), nil)
	<-got
	p.SetActive(false)
	for i := 7; i < 10; i++ {
		ticks <- t0.Add(time.Duration(i) * time.Second)
	}
	if n := q.count(); n != 2 {
		t.Fatalf("%d queries while inactive, want none more", n-2)
	}
}
