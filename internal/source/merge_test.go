package source

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
)

type statusLog struct{ list []Status }

func (l *statusLog) add(s Status) { l.list = append(l.list, s) }

func (l *statusLog) String() string {
	var out []string
	for _, s := range l.list {
		k := [...]string{"connected", "reconnected", "disconnected", "unreachable"}[s.Kind]
		out = append(out, k+":"+s.VM)
	}
	return strings.Join(out, " ")
}

func TestMergeKeepsEachVMInOrder(t *testing.T) {
	var names []string
	var log statusLog
	m := New(t.Context(), Options{Status: log.add})
	for _, vm := range []string{"a", "b", "c"} {
		var evs []string
		for i := range 50 {
			evs = append(evs, event(fmt.Sprintf("E%d", i), i))
		}
		p := sockPath(t, vm+".qmp")
		fakeAt(t, p, func(c net.Conn) error { return qemuSide(c, vm, evs, false) })
		m.Dial(Target{Addr: unixAddr(p)})
		names = append(names, vm)
	}
	m.Seal()
	got, err := collect(t, m)
	if !errors.Is(err, ErrEnded) {
		t.Fatalf("end = %v, want ErrEnded", err)
	}
	m.Wait()
	var want []string
	for i := range 50 {
		want = append(want, fmt.Sprintf("E%d", i))
	}
	for _, vm := range names {
		if g := filterVM(got, vm); g != strings.Join(want, " ") {
			t.Errorf("%s got %s", vm, g)
		}
	}
	for _, vm := range names {
		if !strings.Contains(log.String(), "connected:"+vm) || !strings.Contains(log.String(), "disconnected:"+vm) {
			t.Errorf("statuses %s lack %s's connect and disconnect", &log, vm)
		}
	}
}

func TestMergeOneFailureDoesNotStopTheOthers(t *testing.T) {
	var log statusLog
	m := New(t.Context(), Options{Status: log.add})
	good := sockPath(t, "good.qmp")
	fakeAt(t, good, func(c net.Conn) error {
		return qemuSide(c, "good", []string{event("STOP", 1), event("RESUME", 2)}, false)
	})
	m.Dial(Target{Addr: unixAddr(sockPath(t, "missing.qmp"))})
	m.Dial(Target{Addr: unixAddr(good)})
	m.Seal()
	got, err := collect(t, m)
	var fe *FailedError
	if !errors.As(err, &fe) || fe.Failed != 1 || fe.Total != 2 {
		t.Fatalf("end = %v, want 1 of 2 failed", err)
	}
	if g := strings.Join(got, " "); g != "good:STOP good:RESUME" {
		t.Errorf("events %s", g)
	}
	m.Wait()
	var unreachable []Status
	for _, s := range log.list {
		if s.Kind == Unreachable {
			unreachable = append(unreachable, s)
		}
	}
	if len(unreachable) != 1 || !strings.Contains(unreachable[0].Err.Error(), "no such socket") || unreachable[0].Retrying {
		t.Errorf("unreachable statuses %+v", unreachable)
	}
}

// A VM that goes away and comes back: the stream says so in order, and the
// gap is measured.
func TestReconnectMarkers(t *testing.T) {
	p := sockPath(t, "vm.qmp")
	var conns atomic.Int32
	fakeAt(t, p,
		func(c net.Conn) error {
			conns.Add(1)
			return qemuSide(c, "vm1", []string{event("STOP", 1), event("RESUME", 2)}, false)
		},
		func(c net.Conn) error {
			conns.Add(1)
			return qemuSide(c, "vm1", []string{event("RESET", 3)}, true)
		})
	var log statusLog
	ctx, cancel := context.WithCancel(t.Context())
	m := New(ctx, Options{Status: log.add, Markers: true, Backoff: fastBackoff})
	m.Dial(Target{Addr: unixAddr(p), Reconnect: true})
	m.Seal()
	var evs []*decode.Event
	for len(evs) < 5 {
		ev, err := m.Next(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	cancel()
	m.Wait()
	var names []string
	for _, ev := range evs {
		names = append(names, ev.Name)
		if ev.VM != "vm1" {
			t.Errorf("%s labelled %q", ev.Name, ev.VM)
		}
	}
	if g := strings.Join(names, " "); g != "STOP RESUME QMPWATCH_DISCONNECTED QMPWATCH_RECONNECTED RESET" {
		t.Fatalf("stream %s", g)
	}
	// The first session ended after RESUME, with no SHUTDOWN: killed.
	if r := evs[2].Data().Str("reason"); r != GoneReason {
		t.Errorf("disconnect reason %q", r)
	}
	gap, _ := evs[3].Data().Get("gap")
	if gap.Kind != decode.Number {
		t.Errorf("gap %v", gap)
	}
	if r := evs[3].Data().Str("reason"); r != "reconnected to "+p {
		t.Errorf("reconnect reason %q", r)
	}
	if g := log.String(); g != "connected:vm1 disconnected:vm1 reconnected:vm1" {
		t.Errorf("statuses %s", g)
	}
	if !log.list[1].Retrying || log.list[1].Failure || log.list[2].Gap <= 0 {
		t.Errorf("statuses %+v", log.list)
	}
}

// A source that cannot be reached says so once, retries, and streams as soon
// as the monitor appears.
func TestReconnectUntilReachable(t *testing.T) {
	p := sockPath(t, "late.qmp")
	var log statusLog
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	m := New(ctx, Options{Status: log.add, Backoff: fastBackoff})
	m.Dial(Target{Addr: unixAddr(p), Reconnect: true})
	m.Seal()
	time.Sleep(100 * time.Millisecond) // several failed attempts
	fakeAt(t, p, func(c net.Conn) error { return qemuSide(c, "late", []string{event("STOP", 1)}, true) })
	ev, err := m.Next(t.Context())
	if err != nil || ev.Name != "STOP" || ev.VM != "late" {
		t.Fatalf("got %v %v", ev, err)
	}
	cancel()
	m.Wait()
	if g := log.String(); g != "unreachable: connected:late" {
		t.Errorf("statuses %s (one unreachable line for many attempts)", g)
	}
}

// A consumer that stops reading makes the sources stop reading their
// sockets: what qmpwatch holds stays bounded, and nothing is lost.
func TestBackPressure(t *testing.T) {
	const total = 5000
	pad := strings.Repeat("x", 1000)
	var sent atomic.Int64
	p := sockPath(t, "busy.qmp")
	fakeAt(t, p, func(c net.Conn) error {
		var evs []string
		for i := range total {
			evs = append(evs, fmt.Sprintf(`{"timestamp": {"seconds": 1, "microseconds": %d}, "event": "E", "data": {"n": %d, "pad": "%s"}}`, i, i, pad))
		}
		return qemuSide(&countingConn{Conn: c, n: &sent, size: len(evs[0]) + 2}, "busy", evs, false)
	})
	m := New(t.Context(), Options{})
	m.Dial(Target{Addr: unixAddr(p)})
	m.Seal()
	// Wait until the fake is stuck: its count stops moving.
	last := int64(-1)
	for sent.Load() != last {
		last = sent.Load()
		time.Sleep(200 * time.Millisecond)
	}
	if last >= total/2 {
		t.Fatalf("the fake sent %d of %d events to a consumer that read none: no back-pressure", last, total)
	}
	for i := range total {
		ev, err := m.Next(t.Context())
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		n, _ := ev.Data().Get("n")
		if n.Text != fmt.Sprint(i) {
			t.Fatalf("event %d has n=%s", i, n.Text)
		}
	}
	if _, err := m.Next(t.Context()); !errors.Is(err, ErrEnded) {
		t.Errorf("end = %v", err)
	}
}

// countingConn counts the events written (whole writes of about size bytes).
type countingConn struct {
	net.Conn
	n    *atomic.Int64
	size int
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if len(p) >= c.size {
		c.n.Add(1)
	}
	return n, err
}

func TestProtocolErrorIsAFailure(t *testing.T) {
	p := sockPath(t, "bad.qmp")
	fakeAt(t, p, func(c net.Conn) error {
		return qemuSide(c, "bad", []string{event("STOP", 1), "this is not JSON"}, true)
	})
	var log statusLog
	m := New(t.Context(), Options{Status: log.add, Markers: true})
	m.Dial(Target{Addr: unixAddr(p)})
	m.Seal()
	got, err := collect(t, m)
	var fe *FailedError
	if !errors.As(err, &fe) {
		t.Fatalf("end = %v, want a failure", err)
	}
	if g := strings.Join(got, " "); g != "bad:STOP bad:QMPWATCH_DISCONNECTED" {
		t.Errorf("events %s", g)
	}
	m.Wait()
	last := log.list[len(log.list)-1]
	var pe *conn.ProtocolError
	if last.Kind != Disconnected || !last.Failure || !errors.As(last.Err, &pe) {
		t.Errorf("last status %+v", last)
	}
}

func TestBackoffBounds(t *testing.T) {
	b := DefaultBackoff()
	step := 100 * time.Millisecond
	for i := range 12 {
		d := b.Next()
		if d < step/2 || d > step {
			t.Errorf("attempt %d: %v outside [%v, %v]", i, d, step/2, step)
		}
		step = min(2*step, 5*time.Second)
	}
	b.Reset()
	if d := b.Next(); d > 100*time.Millisecond {
		t.Errorf("after Reset: %v", d)
	}
}

// The markers are events the catalog documents, with the fields it lists.
func TestMarkersMatchTheCatalog(t *testing.T) {
	at := time.Unix(1700000000, 123456000)
	cat := decode.Builtin()
	for _, ev := range []*decode.Event{
		DisconnectedEvent("vm1", at, `reset by "peer"`),
		ReconnectedEvent("vm1", at, "reconnected to /run/vm1.qmp", 2512*time.Millisecond),
	} {
		spec := cat.Lookup(ev.Name)
		if spec == nil {
			t.Fatalf("%s is not in the catalog", ev.Name)
		}
		if c := cat.Validate(ev, decode.Version{}); len(c.Problems) > 0 || len(c.UnknownFields) > 0 {
			t.Errorf("%s: %+v", ev.Raw, c)
		}
		for _, f := range spec.Fields {
			if _, ok := ev.Data().Get(f.Name); !ok {
				t.Errorf("%s lacks %s", ev.Raw, f.Name)
			}
		}
		if ev.Seconds != 1700000000 || ev.Micros != 123456 || ev.VM != "vm1" {
			t.Errorf("%s: time %d.%d vm %s", ev.Name, ev.Seconds, ev.Micros, ev.VM)
		}
	}
	ev := ReconnectedEvent("vm1", at, "x", 2512*time.Millisecond)
	if g, _ := ev.Data().Get("gap"); g.Text != "2.512" {
		t.Errorf("gap %s", g.Text)
	}
}
