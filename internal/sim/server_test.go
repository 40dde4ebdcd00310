package sim

import (
	"bufio"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// serve starts a server for rec on a unix socket in a temp dir.
func serve(t *testing.T, rec *Recording, o Options) (addr string, done <-chan error) {
	t.Helper()
	addr = filepath.Join(t.TempDir(), "sim.qmp")
	ln, err := source.ListenSocket(conn.Addr{Network: "unix", Address: addr}, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan error, 1)
	go func() { ch <- NewServer(rec, o).Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-ch })
	return addr, ch
}

// client is a plain line-based QMP client, as a user's script would be.
type client struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	c, err := net.Dial("unix", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return &client{t: t, c: c, r: bufio.NewReader(c)}
}

func (c *client) line() string {
	c.t.Helper()
	s, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("read: %v (got %q)", err, s)
	}
	if !strings.HasSuffix(s, "\r\n") {
		c.t.Errorf("QEMU ends lines with CRLF, got %q", s)
	}
	return strings.TrimRight(s, "\r\n")
}

func (c *client) send(s string) {
	c.t.Helper()
	if _, err := c.c.Write([]byte(s + "\n")); err != nil {
		c.t.Fatal(err)
	}
}

// reply reads lines until a non-event, collecting the events on the way.
func (c *client) reply(events *[]string) string {
	c.t.Helper()
	for {
		l := c.line()
		m, err := decode.ScanMessage([]byte(l))
		if err != nil {
			c.t.Fatalf("bad JSON from the server: %v: %s", err, l)
		}
		if m.Kind != decode.MsgEvent {
			return l
		}
		*events = append(*events, m.Event)
	}
}

func TestHandshakeQueriesAndErrors(t *testing.T) {
	rec, err := LoadFile(context.Background(), "../../testdata/recordings/lifecycle.qmp")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Events != 6 {
		t.Errorf("lifecycle.qmp holds 6 events, Load counted %d", rec.Events)
	}
	addr, _ := serve(t, rec, Options{Speed: 0, Loop: true})
	c := dial(t, addr)
	if g := c.line(); g != strings.TrimRight(string(rec.Greeting), "\r\n") || !strings.Contains(g, `"major": 7`) {
		t.Fatalf("greeting %s", g)
	}
	// Before negotiation, commands are refused and no event flows.
	c.send(`{"execute":"query-name","id":"a"}`)
	if got := c.line(); got != `{"error": {"class": "CommandNotFound", "desc": "Expecting capabilities negotiation with 'qmp_capabilities'"}, "id": "a"}` {
		t.Errorf("before capabilities: %s", got)
	}
	c.send(`{"execute":"qmp_capabilities"}`)
	if got := c.line(); got != `{"return": {}}` {
		t.Fatalf("capabilities: %s", got)
	}
	var events []string
	for _, q := range []struct{ cmd, want string }{
		{`{"execute":"query-name","id":1}`, `{"return": {"name": "vm-alpha"}, "id": 1}`},
		{`{"execute":"query-version","id":2}`, `{"return": {"qemu":{"micro":22,"minor":2,"major":7},"package":"Debian 1:7.2+dfsg-7+deb12u18+b3"}, "id": 2}`},
		{`{"execute":"stop","id":3}`, `{"error": {"class": "CommandNotFound", "desc": "The command stop has not been found"}, "id": 3}`},
		{`{"execute":"query-qmp-schema","id":4}`, `{"error": {"class": "CommandNotFound", "desc": "The command query-qmp-schema has not been found"}, "id": 4}`},
		{`{"execute":"qmp_capabilities","id":5}`, `{"error": {"class": "CommandNotFound", "desc": "Capabilities negotiation is already complete, command ignored"}, "id": 5}`},
		{`{"id":6}`, `{"error": {"class": "GenericError", "desc": "QMP input lacks member 'execute'"}}`},
	} {
		c.send(q.cmd)
		if got := c.reply(&events); got != q.want {
			t.Errorf("%s\n got %s\nwant %s", q.cmd, got, q.want)
		}
		if strings.Contains(q.want, "lacks") {
			break // QEMU-like: the session ends on input that is not a command
		}
	}
}

func TestEventsThenClose(t *testing.T) {
	rec, err := LoadFile(context.Background(), "../../testdata/recordings/lifecycle.qmp")
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := serve(t, rec, Options{Speed: 0})
	c := dial(t, addr)
	c.line()
	c.send(`{"execute":"qmp_capabilities"}`)
	c.line()
	want, _ := os.ReadFile("../../testdata/recordings/lifecycle.qmp")
	var wantEvents []string
	for _, l := range strings.Split(string(want), "\n") {
		if strings.Contains(l, `"event"`) {
			wantEvents = append(wantEvents, strings.TrimRight(l, "\r"))
		}
	}
	for i, w := range wantEvents {
		// Recorded QEMU events go out byte for byte.
		if got := c.line(); got != w {
			t.Fatalf("event %d\n got %s\nwant %s", i, got, w)
		}
	}
	if s, err := c.r.ReadString('\n'); err == nil {
		t.Errorf("after the last event the server should close, got %q", s)
	}
}

// One client at a time, like QEMU: the second one gets its greeting only
// after the first has left.
func TestOneClientAtATime(t *testing.T) {
	rec, err := LoadBytes(context.Background(), "demo", Demo)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := serve(t, rec, Options{Speed: 1, Loop: true})
	first := dial(t, addr)
	first.line()
	second := dial(t, addr)
	greeted := make(chan string, 1)
	go func() {
		s, _ := second.r.ReadString('\n')
		greeted <- s
	}()
	first.send(`{"execute":"qmp_capabilities"}`)
	first.line()
	select {
	case s := <-greeted:
		t.Fatalf("second client greeted while the first is attached: %q", s)
	default:
	}
	first.c.Close()
	if s := <-greeted; !strings.HasPrefix(s, `{"QMP"`) {
		t.Errorf("second client's greeting: %q", s)
	}
}

func TestPaceAndRetime(t *testing.T) {
	in := "{\"timestamp\":{\"seconds\":100,\"microseconds\":0},\"event\":\"A\",\"vm\":\"x\"}\n" +
		"{\"timestamp\":{\"seconds\":100,\"microseconds\":200000},\"event\":\"B\",\"data\":{\"n\":1},\"vm\":\"x\"}\n"
	rec, err := LoadBytes(context.Background(), "two", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := serve(t, rec, Options{Speed: 1, Retime: true})
	c := dial(t, addr)
	if g := c.line(); !strings.Contains(g, `"minor": 2, "major": 7`) {
		t.Errorf("a recording without greeting gets a QEMU 7.2 one: %s", g)
	}
	c.send(`{"execute":"qmp_capabilities"}`)
	c.line()
	before := time.Now().Add(-time.Second).Unix()
	a, b := c.line(), c.line()
	for _, l := range []string{a, b} {
		m, err := decode.ScanMessage([]byte(l))
		if err != nil || m.HasVM || m.Seconds < before {
			t.Errorf("event as QEMU sends it, stamped now: %s (%v)", l, err)
		}
	}
	mb, _ := decode.ScanMessage([]byte(b))
	ma, _ := decode.ScanMessage([]byte(a))
	if d := (mb.Seconds-ma.Seconds)*1e6 + mb.Micros - ma.Micros; d < 150000 {
		t.Errorf("the recorded 200ms gap became %dµs", d)
	}
	if string(mb.Data) != `{"n":1}` {
		t.Errorf("data %s", mb.Data)
	}
}

func TestNameFromLog(t *testing.T) {
	rec, err := LoadBytes(context.Background(), "one", []byte(`{"event":"STOP","vm":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := serve(t, rec, Options{Speed: 1, Loop: true})
	c := dial(t, addr)
	c.line()
	c.send(`{"execute":"qmp_capabilities"}`)
	c.line()
	if ev := c.line(); !strings.Contains(ev, `"event": "STOP"`) {
		t.Fatalf("event %s", ev)
	}
	var events []string
	c.send(`{"execute":"query-name","id":1}`)
	if got := c.reply(&events); got != `{"return": {"name": "x"}, "id": 1}` {
		t.Errorf("query-name from the log's vm: %s", got)
	}
	c.send(`{"execute":"query-status","id":2}`)
	if got := c.reply(&events); got != `{"return": {"status": "paused", "singlestep": false, "running": false}, "id": 2}` {
		t.Errorf("query-status after STOP: %s", got)
	}
}

func TestSchemaFromRecording(t *testing.T) {
	schema, err := os.ReadFile("../../testdata/recordings/schema.json")
	if err != nil {
		t.Fatal(err)
	}
	// The second event is due long after the test ends: the session stays open.
	in := string(schema) + "\n{\"event\":\"STOP\",\"timestamp\":{\"seconds\":1,\"microseconds\":0}}\n" +
		"{\"event\":\"RESUME\",\"timestamp\":{\"seconds\":1000,\"microseconds\":0}}\n"
	rec, err := LoadBytes(context.Background(), "s", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Schema == nil {
		t.Fatal("the schema reply was not kept")
	}
	addr, _ := serve(t, rec, Options{Speed: 1})
	c := dial(t, addr)
	c.line()
	c.send(`{"execute":"qmp_capabilities"}`)
	c.line()
	c.send(`{"execute":"query-qmp-schema","id":9}`)
	var events []string
	got := c.reply(&events)
	m, err := decode.ScanMessage([]byte(got))
	if err != nil || m.Kind != decode.MsgReturn || len(m.Return) < 100000 || !strings.HasSuffix(got, `, "id": 9}`) {
		t.Errorf("schema reply: %d bytes, %v", len(got), err)
	}
}

// TestStateAtConnect: at --speed 0, a client's query-status at connect is
// answered before any event goes out, every time: the state before the
// recording, then the events from the first.
func TestStateAtConnect(t *testing.T) {
	rec, err := LoadFile(context.Background(), "../../testdata/recordings/lifecycle.qmp")
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := serve(t, rec, Options{Speed: 0, Loop: true})
	for i := 0; i < 5; i++ {
		c := dial(t, addr)
		c.line()
		c.send(`{"execute":"qmp_capabilities"}`)
		c.line()
		var events []string
		c.send(`{"execute":"query-name","id":1}`)
		c.reply(&events)
		c.send(`{"execute":"query-status","id":2}`)
		if got := c.reply(&events); got != `{"return": {"status": "running", "singlestep": false, "running": true}, "id": 2}` || len(events) != 0 {
			t.Fatalf("connect %d: query-status %s after %d events", i, got, len(events))
		}
		if ev := c.line(); !strings.Contains(ev, `"event": "STOP"`) {
			t.Fatalf("connect %d: the first event is %s", i, ev)
		}
		c.c.Close()
	}
}
