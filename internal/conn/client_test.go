package conn_test

import (
	"context"
	"errors"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/testkit/conntest"
)

func dial(t *testing.T, s *conntest.Server, opts conn.Options) (*conn.Client, error) {
	t.Helper()
	addr, err := conn.ParseAddr(s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	return conn.Dial(context.Background(), addr, opts)
}

// readAll reads events until the stream ends and returns their names and
// the error that ended it.
func readAll(t *testing.T, c *conn.Client) ([]string, error) {
	t.Helper()
	var names []string
	for {
		ev, err := c.Next(context.Background())
		if err != nil {
			return names, err
		}
		names = append(names, ev.Name)
	}
}

func TestHandshakeAndEventsInterleavedWithReplies(t *testing.T) {
	s := conntest.NewServer(t, func(p *conntest.Peer) error {
		if err := p.Greet(); err != nil {
			return err
		}
		c, err := p.Expect("query-name")
		if err != nil {
			return err
		}
		// Events arrive before the reply, and a stray reply to another id.
		p.Event("STOP", "")
		p.SendLine(`{"return": {}, "id": 999}`)
		p.Event("RESUME", "")
		p.Reply(c, `{"name": "vm-alpha"}`)
		p.Event("RESET", `{"guest": false, "reason": "host-qmp-system-reset"}`)
		return nil
	})
	c, err := dial(t, s, conn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := c.Greeting().Version.String(); got != "7.2.22" {
		t.Errorf("version = %s, want 7.2.22", got)
	}
	ret, err := c.Query("query-name", nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(ret) != `{"name": "vm-alpha"}` {
		t.Errorf("query-name returned %s", ret)
	}
	names, err := readAll(t, c)
	if strings.Join(names, ",") != "STOP,RESUME,RESET" {
		t.Errorf("events = %v, want STOP,RESUME,RESET in order", names)
	}
	if !errors.Is(err, conn.ErrClosed) {
		t.Errorf("end = %v, want ErrClosed", err)
	}
}

func TestMessageSplitIntoSingleBytes(t *testing.T) {
	s := conntest.NewServer(t, func(p *conntest.Peer) error {
		if err := p.Handshake("vm1"); err != nil {
			return err
		}
		// No CRLF after it: the client may hang up as soon as the closing
		// brace arrives, and a write after that would fail the script.
		msg := `{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "SPICE_INITIALIZED", "data": {"client": {"connection-id": -1296444001}}}`
		for i := 0; i < len(msg); i++ {
			if err := p.Send(msg[i : i+1]); err != nil {
				return err
			}
		}
		return nil
	})
	c, err := dial(t, s, conn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Query("query-name", nil); err != nil {
		t.Fatal(err)
	}
	ev, err := c.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	id, _ := ev.Data().Path("client", "connection-id")
	if ev.Name != "SPICE_INITIALIZED" || id.Text != "-1296444001" {
		t.Errorf("got %s with connection-id %q", ev.Name, id.Text)
	}
}

func TestLargeMessage(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	s := conntest.NewServer(t, func(p *conntest.Peer) error {
		if err := p.Handshake(""); err != nil {
			return err
		}
		return p.Event("GUEST_PANICKED", `{"action": "pause", "info": {"type": "hyper-v", "msg": "`+big+`"}}`)
	})
	c, err := dial(t, s, conn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Query("query-name", nil); err != nil {
		t.Fatal(err)
	}
	ev, err := c.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := ev.Data().Path("info", "msg")
	if len(msg.Text) != len(big) {
		t.Errorf("message text is %d bytes, want %d", len(msg.Text), len(big))
	}
}

func TestHandshakeFailures(t *testing.T) {
	tests := []struct {
		name   string
		script conntest.Script
		want   string
	}{
		{"greeting timeout", func(p *conntest.Peer) error { p.WaitClosed(); return nil },
			"another client may hold this monitor"},
		{"HMP banner", func(p *conntest.Peer) error {
			p.Send("QEMU 7.2.22 monitor - type 'help' for more information\r\n(qemu) ")
			p.WaitClosed()
			return nil
		}, "HMP (human monitor) socket, not QMP"},
		{"not QMP JSON", func(p *conntest.Peer) error {
			p.SendLine(`{"hello": "world"}`)
			p.WaitClosed()
			return nil
		}, "not a QMP monitor"},
		{"capabilities refused", func(p *conntest.Peer) error {
			p.SendLine(conntest.Greeting)
			c, err := p.Expect("qmp_capabilities")
			if err != nil {
				return err
			}
			p.SendLine(`{"error": {"class": "CommandNotFound", "desc": "nope"}, "id": ` + string(c.ID) + `}`)
			p.WaitClosed()
			return nil
		}, "qmp_capabilities refused: nope"},
		{"closed at once", func(p *conntest.Peer) error { return nil },
			"closed before the QMP greeting"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := conntest.NewServer(t, tt.script)
			c, err := dial(t, s, conn.Options{GreetingTimeout: 300 * time.Millisecond})
			if err == nil {
				c.Close()
				t.Fatal("handshake succeeded, want an error")
			}
			if !strings.HasPrefix(err.Error(), s.Addr+": ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to name %s and say %q", err, s.Addr, tt.want)
			}
		})
	}
}

func TestStreamFailures(t *testing.T) {
	tests := []struct {
		name   string
		tcp    bool
		script conntest.Script
		check  func(error) bool
		want   string
	}{
		{"garbage after greeting", false, func(p *conntest.Peer) error {
			if err := p.Handshake("vm1"); err != nil {
				return err
			}
			p.Event("STOP", "")
			p.Send("this is not json\r\n")
			p.WaitClosed()
			return nil
		}, func(err error) bool { var pe *conn.ProtocolError; return errors.As(err, &pe) }, "protocol error"},
		{"invalid JSON inside an object", false, func(p *conntest.Peer) error {
			if err := p.Handshake("vm1"); err != nil {
				return err
			}
			p.Event("STOP", "")
			p.SendLine(`{"event": "X", "data": {bad}}`)
			p.WaitClosed()
			return nil
		}, func(err error) bool { var pe *conn.ProtocolError; return errors.As(err, &pe) }, "invalid JSON"},
		{"EOF mid-message", false, func(p *conntest.Peer) error {
			if err := p.Handshake("vm1"); err != nil {
				return err
			}
			p.Event("STOP", "")
			return p.Send(`{"timestamp": {"seconds": 1, "micro`)
		}, func(err error) bool { return errors.Is(err, conn.ErrClosed) }, "in the middle of a message"},
		{"reset mid-message", true, func(p *conntest.Peer) error {
			if err := p.Handshake("vm1"); err != nil {
				return err
			}
			p.Event("STOP", "")
			p.Send(`{"timestamp": {"seconds": 1, "micro`)
			time.Sleep(50 * time.Millisecond)
			p.Conn().(*net.TCPConn).SetLinger(0) // close with RST
			return nil
		}, func(err error) bool { return errors.Is(err, conn.ErrClosed) }, "QEMU closed the connection"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s *conntest.Server
			if tt.tcp {
				s = conntest.NewTCPServer(t, tt.script)
			} else {
				s = conntest.NewServer(t, tt.script)
			}
			c, err := dial(t, s, conn.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Query("query-name", nil); err != nil {
				t.Fatal(err)
			}
			names, err := readAll(t, c)
			if len(names) != 1 || names[0] != "STOP" {
				t.Errorf("events before the failure = %v, want [STOP]", names)
			}
			if !tt.check(err) || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), s.Addr) {
				t.Errorf("error %q (%T), want one naming %s that says %q", err, err, s.Addr, tt.want)
			}
		})
	}
}

// TestReadOnlyOnTheWire proves that whatever a caller asks, only
// qmp_capabilities and query-* commands reach the monitor.
func TestReadOnlyOnTheWire(t *testing.T) {
	s := conntest.NewServer(t, func(p *conntest.Peer) error {
		if err := p.Handshake("vm1"); err != nil {
			return err
		}
		return p.Serve(conntest.Replies{"*": conntest.Return("{}")})
	})
	c, err := dial(t, s, conn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Query("query-name", nil); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"quit", "stop", "system_reset", "human-monitor-command", "device_del", "qmp_capabilitiesX", "Query-status", "x-query-foo"} {
		_, err := c.Query(cmd, nil)
		var ro *conn.ReadOnlyError
		if !errors.As(err, &ro) {
			t.Errorf("Query(%q) = %v, want a ReadOnlyError", cmd, err)
		}
	}
	if _, err := c.Query("query-status", nil); err != nil {
		t.Fatal(err)
	}
	// The poller's path: QueryAsync from another goroutine while Next
	// waits for events. The gate is the same.
	replies := make(chan error, 8)
	nextDone := make(chan struct{})
	go func() {
		defer close(nextDone)
		c.Next(context.Background()) // ends when the client closes
	}()
	for _, cmd := range []string{"stop", "block-job-cancel", "query-block-jobs", "query-block-jobs"} {
		err := c.QueryAsync(cmd, nil, func(_ []byte, err error) { replies <- err })
		var ro *conn.ReadOnlyError
		if allowed := strings.HasPrefix(cmd, "query-"); allowed != !errors.As(err, &ro) {
			t.Errorf("QueryAsync(%q) = %v", cmd, err)
		}
	}
	for i := 0; i < 2; i++ {
		select {
		case err := <-replies:
			if err != nil {
				t.Error(err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no reply to query-block-jobs sent beside Next")
		}
	}
	c.Close()
	<-nextDone
	for _, cmd := range waitCommands(s, 5) {
		if cmd != "qmp_capabilities" && !strings.HasPrefix(cmd, "query-") {
			t.Errorf("%q reached the wire", cmd)
		}
	}
}

func waitCommands(s *conntest.Server, n int) []string {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if cmds := s.Commands(); len(cmds) >= n {
			return cmds
		}
		time.Sleep(10 * time.Millisecond)
	}
	return s.Commands()
}

func TestDialErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ addr, want string }{
		{dir + "/missing.qmp", "no such socket"},
		{"tcp:127.0.0.1:1", "connection refused"},
	}
	for _, tt := range tests {
		a, _ := conn.ParseAddr(tt.addr)
		_, err := conn.Dial(context.Background(), a, conn.Options{})
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.addr) {
			t.Errorf("Dial(%s) = %v, want an error naming it and saying %q", tt.addr, err, tt.want)
		}
	}
}

func TestCancelEndsNext(t *testing.T) {
	s := conntest.NewServer(t, func(p *conntest.Peer) error {
		if err := p.Handshake("vm1"); err != nil {
			return err
		}
		p.WaitClosed()
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	a, _ := conn.ParseAddr(s.Addr)
	c, err := conn.Dial(ctx, a, conn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Query("query-name", nil); err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := c.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Next after cancel = %v, want context.Canceled", err)
	}
}

func TestQueryAsyncAnswersDuringNext(t *testing.T) {
	s := conntest.NewServer(t, func(p *conntest.Peer) error {
		if err := p.Handshake("vm1"); err != nil {
			return err
		}
		c, err := p.Expect("query-qmp-schema")
		if err != nil {
			return err
		}
		p.Event("STOP", "")
		p.Reply(c, `[{"name": "STOP", "meta-type": "event", "arg-type": "0"}]`)
		p.Event("RESUME", "")
		return nil
	})
	c, err := dial(t, s, conn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Query("query-name", nil); err != nil {
		t.Fatal(err)
	}
	var got []string
	err = c.QueryAsync("query-qmp-schema", nil, func(ret []byte, err error) {
		got = append(got, "reply:"+string(ret))
	})
	if err != nil {
		t.Fatal(err)
	}
	for {
		ev, err := c.Next(context.Background())
		if err != nil {
			break
		}
		got = append(got, ev.Name)
	}
	want := `STOP,reply:[{"name": "STOP", "meta-type": "event", "arg-type": "0"}],RESUME`
	if strings.Join(got, ",") != want {
		t.Errorf("order = %v\nwant %s", got, want)
	}
	var ro *conn.ReadOnlyError
	if err := c.QueryAsync("quit", nil, nil); !errors.As(err, &ro) {
		t.Errorf("QueryAsync(quit) = %v, want a ReadOnlyError", err)
	}
}

// TestEventsOwnTheirBytes reads many events before looking at any: each
// must still hold its own data, not what the read buffer holds later.
func TestEventsOwnTheirBytes(t *testing.T) {
	const n = 2000
	s := conntest.NewServer(t, func(p *conntest.Peer) error {
		if err := p.Handshake("vm1"); err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			if err := p.Event("RTC_CHANGE", `{"offset": `+strconv.Itoa(i)+`, "qom-path": "/machine/unattached/device[`+strconv.Itoa(i)+`]"}`); err != nil {
				return err
			}
		}
		return nil
	})
	c, err := dial(t, s, conn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Query("query-name", nil); err != nil {
		t.Fatal(err)
	}
	var evs []*decode.Event
	for {
		ev, err := c.Next(context.Background())
		if err != nil {
			break
		}
		evs = append(evs, ev)
	}
	if len(evs) != n {
		t.Fatalf("%d events, want %d", len(evs), n)
	}
	for i, ev := range evs {
		off, _ := ev.Data().Get("offset")
		if off.Text != strconv.Itoa(i) || !strings.Contains(string(ev.Raw), `"offset": `+strconv.Itoa(i)+",") {
			t.Fatalf("event %d holds offset %s: %s", i, off.Text, ev.Raw)
		}
	}
}

// Events that arrived during a query are queued; once Next has handed them
// out, the queue must not keep them alive (a daemon that queries a flooding
// monitor would otherwise hold every queued event, decoded data and all).
func TestQueuedEventsAreReleased(t *testing.T) {
	s := conntest.NewServer(t, func(p *conntest.Peer) error {
		if err := p.SendLine(conntest.Greeting); err != nil {
			return err
		}
		c, err := p.Expect("qmp_capabilities")
		if err != nil {
			return err
		}
		p.Reply(c, "{}")
		if c, err = p.Expect("query-name"); err != nil {
			return err
		}
		p.Event("STOP", "")
		p.Event("RESUME", "")
		p.Reply(c, `{"name": "vm-alpha"}`)
		if c, err = p.Expect("query-status"); err != nil {
			return err
		}
		return p.Reply(c, `{"status": "running", "running": true}`)
	})
	c, err := dial(t, s, conn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Query("query-name", nil); err != nil {
		t.Fatal(err)
	}
	var released atomic.Int32
	for _, want := range []string{"STOP", "RESUME"} {
		ev, err := c.Next(context.Background())
		if err != nil || ev.Name != want {
			t.Fatalf("Next = %v, %v; want %s", ev, err, want)
		}
		runtime.AddCleanup(ev, func(*atomic.Int32) { released.Add(1) }, &released)
	}
	deadline := time.Now().Add(30 * time.Second)
	for released.Load() < 2 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if n := released.Load(); n != 2 {
		t.Errorf("%d of the 2 events handed out were released while the client lives", n)
	}
	// The client is still in use after the check.
	if _, err := c.Query("query-status", nil); err != nil {
		t.Fatal(err)
	}
}
