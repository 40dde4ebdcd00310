package action

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/safe"
)

// Close is called once the stream has ended (its end, --count, --until,
// SIGINT or SIGTERM): no more runs are queued, the queued ones get Grace
// to finish, then the runs still going are killed and what was left is
// said, one line per action. A nil Engine has nothing to close.
func (e *Engine) Close() {
	if e == nil {
		return
	}
	deadline := time.AfterFunc(e.o.Grace, func() {
		e.mu.Lock()
		e.stopped = true
		e.cond.Broadcast()
		e.mu.Unlock()
	})
	e.mu.Lock()
	for (len(e.ready) > 0 || e.busy > 0) && !e.stopped {
		e.cond.Wait()
	}
	e.stopped = true
	e.cond.Broadcast()
	e.mu.Unlock()
	deadline.Stop()
	e.kill() // the runs still going after the grace
	close(e.noter)
	e.workers.Wait()
	e.sayDrops()
	e.sayLeft()
}

// noteDrops says, every Every, how many runs each queue dropped since.
func (e *Engine) noteDrops() {
	defer e.workers.Done()
	t := time.NewTicker(e.o.Every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			e.sayDrops()
		case <-e.noter:
			return
		}
	}
}

func (e *Engine) sayDrops() {
	e.mu.Lock()
	var lines []string
	for _, q := range e.queues {
		if q.dropped == 0 {
			continue
		}
		lines = append(lines, fmt.Sprintf("qmpwatch: %s: %s: %d runs dropped, the oldest waiting: its queue of %d (%s) was full\n",
			q.a.who(), safe.String(q.vm), q.dropped, e.o.Queue, e.queueFlag()))
		q.dropped = 0
		if !q.running && q.ring.n == 0 {
			delete(e.queues, q.qkey)
		}
	}
	e.mu.Unlock()
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Fprint(e.o.ErrOut, l)
	}
}

func (e *Engine) queueFlag() string {
	if e.o.QueueFlag == "" {
		return "queue"
	}
	return e.o.QueueFlag
}

// sayLeft counts the runs never started as dropped and says them with
// the ones killed, per action.
func (e *Engine) sayLeft() {
	e.mu.Lock()
	defer e.mu.Unlock()
	left := map[*Action][]string{}
	total := map[*Action]int{}
	for _, q := range e.queues {
		if q.ring.n == 0 {
			continue
		}
		if e.o.Dropped != nil {
			e.o.Dropped(q.vm, q.a.Kind, q.ring.n)
		}
		left[q.a] = append(left[q.a], fmt.Sprintf("%s %d", safe.String(q.vm), q.ring.n))
		total[q.a] += q.ring.n
		q.ring = ring{}
	}
	for _, a := range e.actions {
		if total[a] == 0 {
			continue
		}
		sort.Strings(left[a])
		fmt.Fprintf(e.o.ErrOut, "qmpwatch: %s: %d runs not done at exit, after %s (%s)\n", a.who(), total[a], e.o.Grace, strings.Join(left[a], ", "))
	}
	if e.killed > 0 {
		fmt.Fprintf(e.o.ErrOut, "qmpwatch: %d runs killed at exit, after %s\n", e.killed, e.o.Grace)
	}
}

// ring is a bounded FIFO of runs that drops its oldest when full. Its
// buffer grows with use, up to the bound: memory follows the backlog.
type ring struct {
	buf     []*Event
	head, n int
}

// push adds ev, dropping the oldest when max are waiting; it reports a drop.
func (r *ring) push(ev *Event, limit int) (dropped bool) {
	if r.n == limit {
		r.buf[r.head] = nil
		r.head = (r.head + 1) % len(r.buf)
		r.n--
		dropped = true
	}
	if r.n == len(r.buf) {
		grown := make([]*Event, min(limit, max(8, 2*len(r.buf))))
		for i := 0; i < r.n; i++ {
			grown[i] = r.buf[(r.head+i)%len(r.buf)]
		}
		r.buf, r.head = grown, 0
	}
	r.buf[(r.head+r.n)%len(r.buf)] = ev
	r.n++
	return dropped
}

// pop takes the oldest run; the ring is not empty.
func (r *ring) pop() *Event {
	ev := r.buf[r.head]
	r.buf[r.head] = nil
	r.head = (r.head + 1) % len(r.buf)
	r.n--
	return ev
}
