package fleet

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/testkit/natstest"
)

// ackWait is the durable consumers' acknowledgement wait in these tests:
// short, so that a late acknowledgement shows as a redelivery quickly.
const ackWait = 2 * time.Second

// TestDurableAcksAtOnce: an event processed by a durable reader is
// acknowledged then, not when the next one comes; so the server never sends
// it again. Before, the last event of a burst waited for the next event's
// arrival to be acknowledged, and AckWait later had it printed twice.
func TestDurableAcksAtOnce(t *testing.T) {
	srv := natstest.Start(t, "")
	notes := &syncBuffer{}
	p := publisher(t, srv.URL(), "h", notes, 0)
	p.Publish(numbered(t, "vm1", 0))
	flush(t, p, notes)
	r := open(t, ReaderOptions{Access: Access{URL: srv.URL()}, Durable: "once", Since: time.Unix(0, 0), AckWait: ackWait})
	evs := readN(t, r, 1)
	r.Processed(evs[0])
	// The acknowledgement is at the server well within the wait.
	c := consumer(t, srv.URL(), "once")
	deadline := time.Now().Add(ackWait / 2)
	for {
		info, err := c.Info(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if info.NumAckPending == 0 && info.AckFloor.Stream == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not acknowledged: %d pending, floor %d", info.NumAckPending, info.AckFloor.Stream)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Past the acknowledgement wait twice over: printed once.
	ctx, cancel := context.WithTimeout(context.Background(), 2*ackWait+time.Second)
	defer cancel()
	if ev, err := r.Next(ctx); err == nil {
		t.Fatalf("event given twice: %s", ev.Raw)
	}
}

// TestDurableNoDuplicateAfterServerKill: a server killed with SIGKILL and
// restarted under a flood forgets acknowledgements it had not yet written,
// and sends those events again, out of order. The reader gives each event
// once, in order.
func TestDurableNoDuplicateAfterServerKill(t *testing.T) {
	srv := natstest.Start(t, "")
	notes := &syncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("notes:\n%s", notes)
		}
	})
	p := publisher(t, srv.URL(), "h", notes, 0)
	p.Publish(numbered(t, "vm1", 0))
	flush(t, p, notes)
	r := open(t, ReaderOptions{Access: Access{URL: srv.URL()}, Durable: "flood", Since: time.Unix(0, 0), AckWait: ackWait, Notes: notes})
	const total = 20000
	go func() {
		for i := 1; i < total; i++ {
			p.Publish(numbered(t, "vm1", i))
		}
	}()
	var got []*decode.Event
	take := func(n int) {
		for ; n > 0; n-- {
			ev := readN(t, r, 1)[0]
			r.Processed(ev) // as the engine does: once it is written
			got = append(got, ev)
		}
	}
	take(total / 4)
	srv.Kill()
	srv.Start()
	take(total - len(got))
	checkOnce(t, got, total)
	// Redeliveries of what the restarted server forgot come after the
	// wait: none is given.
	ctx, cancel := context.WithTimeout(context.Background(), 2*ackWait+time.Second)
	defer cancel()
	if ev, err := r.Next(ctx); err == nil {
		t.Fatalf("event given twice: %s", ev.Raw)
	}
}

func consumer(t *testing.T, url, name string) jetstream.Consumer {
	t.Helper()
	c, err := jsFor(t, url).Consumer(context.Background(), DefaultStream, name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkOnce checks that events 0..total-1 each came exactly once. After a
// server crash the order is not promised: a message the client library
// dropped as a slow consumer while it reconnected comes back as a
// redelivery, after newer ones (given late rather than lost); how many came
// late is logged.
func checkOnce(t *testing.T, evs []*decode.Event, total int) {
	t.Helper()
	seen := make([]int, total)
	late, top, behind := 0, -1, 0
	for _, ev := range evs {
		v, _ := ev.Data().Get("n")
		n, _ := v.Int64()
		if n < 0 || int(n) >= total {
			t.Fatalf("event %d is none of the %d published", n, total)
		}
		seen[n]++
		if int(n) < top {
			late++
			behind = max(behind, top-int(n))
		}
		top = max(top, int(n))
	}
	for n, c := range seen {
		if c != 1 {
			t.Errorf("event %d given %d times, want once", n, c)
		}
	}
	t.Logf("%d of %d events came after newer ones, the latest %d events behind", late, total, behind)
}
