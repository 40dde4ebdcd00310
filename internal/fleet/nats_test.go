package fleet

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/testkit/syncbuf"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/testkit/natstest"
)

// syncBuffer collects notes written from the client's goroutines.
type syncBuffer = syncbuf.Buffer

// numbered is event i of vm: a STOP whose data carries i, with a
// timestamp that makes i visible in the message id too.
func numbered(t testing.TB, vm string, i int) *decode.Event {
	return event(t, fmt.Sprintf(`{"event": "STOP", "data": {"n": %d}, "timestamp": {"seconds": %d, "microseconds": 0}}`, i, 1700000000+i), vm)
}

func publisher(t *testing.T, url, host string, notes *syncBuffer, buffer int) *Publisher {
	t.Helper()
	p, err := NewPublisher(PublisherOptions{Access: Access{URL: url}, Host: host, Buffer: buffer, Notes: notes})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(0) })
	return p
}

func flush(t *testing.T, p *Publisher, notes *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := p.Flush(ctx); err != nil {
		t.Fatalf("%v; notes:\n%s", err, notes)
	}
}

// readN reads n events, failing after a generous wait.
func readN(t *testing.T, r *Reader, n int) []*decode.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out []*decode.Event
	for len(out) < n {
		ev, err := r.Next(ctx)
		if err != nil {
			t.Fatalf("after %d of %d events: %v", len(out), n, err)
		}
		out = append(out, ev)
	}
	return out
}

// quiet checks that nothing more arrives for a moment.
func quiet(t *testing.T, r *Reader) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if ev, err := r.Next(ctx); err == nil {
		t.Fatalf("unexpected extra event %s %s", ev.VM, ev.Raw)
	}
}

// checkOrder: per VM label, the n values are want[label] in order.
func checkOrder(t *testing.T, evs []*decode.Event, want map[string][]int) {
	t.Helper()
	got := map[string][]int{}
	for _, ev := range evs {
		v, _ := ev.Data().Get("n")
		n, _ := v.Int64()
		got[ev.VM] = append(got[ev.VM], int(n))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("events per VM\n got %v\nwant %v", got, want)
	}
}

func seq(from, to int) []int {
	var s []int
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

func open(t *testing.T, o ReaderOptions) *Reader {
	t.Helper()
	r, err := Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

func TestPublishAndReadTwoHosts(t *testing.T) {
	srv := natstest.Start(t, "")
	notes := &syncBuffer{}
	a := publisher(t, srv.URL(), "host.a", notes, 0)
	b := publisher(t, srv.URL(), "host b", notes, 0)
	for i := 0; i < 50; i++ {
		ev := numbered(t, "vm1", i)
		ev.QEMU = decode.Version{Major: 7, Minor: 2}
		a.Publish(ev)
		b.Publish(numbered(t, "vm1", i))
	}
	flush(t, a, notes)
	flush(t, b, notes)
	versions := map[string]string{}
	all := open(t, ReaderOptions{Access: Access{URL: srv.URL()}, Since: time.Unix(0, 0),
		NewVM: func(label string, qemu decode.Version) { versions[label] = qemu.String() }})
	evs := readN(t, all, 100)
	checkOrder(t, evs, map[string][]int{"host.a/vm1": seq(0, 50), "host b/vm1": seq(0, 50)})
	quiet(t, all)
	for _, ev := range evs {
		if want := map[string]string{"host.a/vm1": "7.2.0", "host b/vm1": "unknown"}[ev.VM]; ev.QEMU.String() != want {
			t.Fatalf("%s: Event.QEMU %s, want %s", ev.VM, ev.QEMU, want)
		}
	}
	if versions["host.a/vm1"] != "7.2.0" || versions["host b/vm1"] != "unknown" {
		t.Errorf("versions from the header: %v", versions)
	}
	// Exact host: a server-side filter. A glob: filtered here.
	for _, h := range []string{"host b", "host ?"} {
		one := open(t, ReaderOptions{Access: Access{URL: srv.URL()}, Since: time.Unix(0, 0), Selection: Selection{Host: h}})
		evs := readN(t, one, 50)
		checkOrder(t, evs, map[string][]int{"host b/vm1": seq(0, 50)})
		quiet(t, one)
		if !bytes.Contains(evs[0].Raw, []byte(`"vm":"vm1","host":"host b"}`)) {
			t.Errorf("raw %s", evs[0].Raw)
		}
	}
	// Live from now: only what comes after.
	live := open(t, ReaderOptions{Access: Access{URL: srv.URL()}})
	a.Publish(numbered(t, "vm1", 50))
	checkOrder(t, readN(t, live, 1), map[string][]int{"host.a/vm1": {50}})
	if strings.Contains(notes.String(), "dropped") {
		t.Errorf("notes: %s", notes)
	}
}

func TestRepublishIsDeduplicated(t *testing.T) {
	srv := natstest.Start(t, "")
	notes := &syncBuffer{}
	p := publisher(t, srv.URL(), "h", notes, 0)
	ev := numbered(t, "vm1", 1)
	p.Publish(ev)
	flush(t, p, notes)
	// The same event again (as after a lost acknowledgement): same id.
	p2 := publisher(t, srv.URL(), "h", notes, 0)
	p2.Publish(ev)
	p2.Publish(numbered(t, "vm1", 2))
	flush(t, p2, notes)
	r := open(t, ReaderOptions{Access: Access{URL: srv.URL()}, Since: time.Unix(0, 0)})
	checkOrder(t, readN(t, r, 2), map[string][]int{"h/vm1": {1, 2}})
	quiet(t, r)
}

func TestOutageKeepsEventsInOrder(t *testing.T) {
	srv := natstest.Start(t, "")
	notes := &syncBuffer{}
	p := publisher(t, srv.URL(), "h", notes, 0)
	for i := 0; i < 20; i++ {
		p.Publish(numbered(t, "vm1", i))
	}
	flush(t, p, notes)
	srv.Stop()
	for i := 20; i < 220; i++ {
		p.Publish(numbered(t, "vm1", i))
	}
	time.Sleep(300 * time.Millisecond)
	if p.Pending() == 0 {
		t.Fatal("events were acknowledged while the server was down")
	}
	srv.Start()
	flush(t, p, notes)
	r := open(t, ReaderOptions{Access: Access{URL: srv.URL()}, Since: time.Unix(0, 0)})
	checkOrder(t, readN(t, r, 220), map[string][]int{"h/vm1": seq(0, 220)})
	quiet(t, r)
	if !strings.Contains(notes.String(), "unreachable") || !strings.Contains(notes.String(), "is back") {
		t.Errorf("notes do not tell the outage:\n%s", notes)
	}
	if p.Dropped() != 0 {
		t.Errorf("dropped %d", p.Dropped())
	}
}

func TestOverflowIsCountedAndSaid(t *testing.T) {
	srv := natstest.Start(t, "")
	srv.Stop() // nothing listens: every event waits
	notes := &syncBuffer{}
	p := publisher(t, srv.URL(), "h", notes, 10)
	for i := 0; i < 15; i++ {
		p.Publish(numbered(t, "vm1", i))
	}
	if p.Dropped() != 5 || p.Pending() != 10 || p.DroppedByVM()["vm1"] != 5 {
		t.Fatalf("dropped %d, pending %d; want 5 and 10", p.Dropped(), p.Pending())
	}
	if !strings.Contains(notes.String(), "publish buffer full (10 events): 1 events dropped so far") {
		t.Errorf("notes:\n%s", notes)
	}
	// The ten kept go out when the server comes.
	srv.Start()
	flush(t, p, notes)
	r := open(t, ReaderOptions{Access: Access{URL: srv.URL()}, Since: time.Unix(0, 0)})
	checkOrder(t, readN(t, r, 10), map[string][]int{"h/vm1": seq(0, 10)})
}

func TestDurableResumes(t *testing.T) {
	srv := natstest.Start(t, "")
	notes := &syncBuffer{}
	p := publisher(t, srv.URL(), "h", notes, 0)
	o := ReaderOptions{Access: Access{URL: srv.URL()}, Durable: "script1", Since: time.Unix(0, 0)}
	for i := 0; i < 100; i++ {
		p.Publish(numbered(t, "vm1", i))
	}
	flush(t, p, notes)
	r1 := open(t, o)
	// Take 30, processing only those: the rest it received stay unacked.
	evs := readN(t, r1, 30)
	for _, ev := range evs {
		r1.Processed(ev)
	}
	r1.Close()
	for i := 100; i < 120; i++ {
		p.Publish(numbered(t, "vm1", i))
	}
	flush(t, p, notes)
	r2 := open(t, o)
	rest := readN(t, r2, 90)
	checkOrder(t, append(evs, rest...), map[string][]int{"h/vm1": seq(0, 120)})
	quiet(t, r2)
}

func TestReaderErrors(t *testing.T) {
	srv := natstest.Start(t, `
jetstream: enabled
accounts: {
  A: {
    jetstream: enabled
    users: [
      {user: alice, password: s3cret}
      {user: bob, password: pw, permissions: {publish: {deny: ["$JS.API.CONSUMER.>"]}}}
    ]
  }
}
`)
	ctx := context.Background()
	url := func(user string) string { return strings.Replace(srv.URL(), "//", "//"+user+"@", 1) }
	cases := []struct {
		o    ReaderOptions
		want string
	}{
		{ReaderOptions{Access: Access{URL: "nats://127.0.0.1:1"}}, "server unreachable"},
		{ReaderOptions{Access: Access{URL: url("alice:wrong")}}, "authentication refused"},
		{ReaderOptions{Access: Access{URL: url("alice:s3cret")}}, "stream QMP not found"},
	}
	for _, c := range cases {
		_, err := Open(ctx, c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v, want one line with %q", c.o.Redacted(), err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("password in the error: %v", err)
		}
	}
	notes := &syncBuffer{}
	p := publisher(t, url("alice:s3cret"), "h", notes, 0)
	p.Publish(numbered(t, "vm1", 1))
	flush(t, p, notes)
	_, err := Open(ctx, ReaderOptions{Access: Access{URL: url("bob:pw")}})
	if err == nil || !strings.Contains(err.Error(), "subject not allowed") || strings.Contains(err.Error(), "\n") {
		t.Errorf("a user who may not create consumers: got %v", err)
	}
	t.Logf("refused: %v", err)
}

// TestPublisherAuthRefused: a refused publisher says why and keeps the
// events.
func TestPublisherAuthRefused(t *testing.T) {
	srv := natstest.Start(t, "authorization { user: alice, password: s3cret }\n")
	notes := &syncBuffer{}
	p := publisher(t, strings.Replace(srv.URL(), "//", "//alice:bad@", 1), "h", notes, 0)
	p.Publish(numbered(t, "vm1", 1))
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(strings.ToLower(notes.String()), "authorization violation") {
		if time.Now().After(deadline) {
			t.Fatalf("notes do not say why:\n%s", notes)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if p.Pending() != 1 || p.Dropped() != 0 || strings.Contains(notes.String(), "bad@") {
		t.Errorf("pending %d, dropped %d, notes:\n%s", p.Pending(), p.Dropped(), notes)
	}
}
