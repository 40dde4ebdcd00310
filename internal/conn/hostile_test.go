package conn

// The hostile-monitor suite: scripted monitors over real unix sockets that
// try what an attacker would (issue 12), one test per item fixed in conn.

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/testkit/conntest"
)

func dialT(t *testing.T, addr string, o Options) (*Client, error) {
	t.Helper()
	a, err := ParseAddr(addr)
	if err != nil {
		t.Fatal(err)
	}
	return Dial(t.Context(), a, o)
}

// Item 5: the class and description of a monitor's error reply reach
// stderr in many commands; the error text must be safe to print.
func TestHostileErrorTextIsEscaped(t *testing.T) {
	for _, evil := range []string{conntest.TitleSpoof, conntest.CSI8, conntest.BidiSpoof} {
		s := conntest.NewServer(t, func(p *conntest.Peer) error {
			if err := p.Greet(); err != nil {
				return err
			}
			c, err := p.Expect("query-name")
			if err != nil {
				return err
			}
			if err := p.ReplyError(c, "Generic"+evil, "no name "+evil); err != nil {
				return err
			}
			p.WaitClosed()
			return nil
		})
		c, err := dialT(t, s.Addr, Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.VMName()
		c.Close()
		var ce *CommandError
		if !errors.As(err, &ce) || ce.Desc != "no name "+evil {
			t.Fatalf("got %v, want the CommandError with the exact desc", err)
		}
		if bad := conntest.RawTerminalBytes(err.Error()); bad != "" {
			t.Errorf("error text carries raw %q: %q", bad, err.Error())
		}
		if !strings.Contains(err.Error(), "no name ") {
			t.Errorf("error text lost the description: %q", err.Error())
		}
	}
}

// Item 5: a refused qmp_capabilities says so, escaped.
func TestHostileCapabilitiesRefusedEscaped(t *testing.T) {
	s := conntest.NewServer(t, func(p *conntest.Peer) error {
		if err := p.SendLine(conntest.Greeting); err != nil {
			return err
		}
		c, err := p.Expect("qmp_capabilities")
		if err != nil {
			return err
		}
		return p.ReplyError(c, "CommandNotFound", conntest.TitleSpoof)
	})
	_, err := dialT(t, s.Addr, Options{})
	if err == nil || !strings.Contains(err.Error(), "qmp_capabilities refused") {
		t.Fatalf("got %v", err)
	}
	if bad := conntest.RawTerminalBytes(err.Error()); bad != "" {
		t.Errorf("raw %q in %q", bad, err.Error())
	}
}

// Item 5: a socket named with an escape sequence is named escaped.
func TestHostileSocketNameEscaped(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ev\x1b]0;PWNED\a.qmp")
	_, err := Dial(t.Context(), Addr{Network: "unix", Address: path}, Options{})
	if err == nil || !strings.Contains(err.Error(), "no such socket") {
		t.Fatalf("got %v", err)
	}
	if bad := conntest.RawTerminalBytes(err.Error()); bad != "" {
		t.Errorf("raw %q in %q", bad, err.Error())
	}
}

// Item 8: a "vm" member a live monitor sends never replaces the label, and
// is not passed on (the output then has one "vm": qmpwatch's).
func TestHostileVMMemberIgnored(t *testing.T) {
	s := conntest.NewServer(t, func(p *conntest.Peer) error {
		if err := p.Handshake("web-test"); err != nil {
			return err
		}
		// During no query, and with "vm" first, last and twice.
		p.SendLine(`{"vm": "db-prod", "event": "SHUTDOWN", "data": {"guest": true, "reason": "host-qmp-quit"}, "timestamp": {"seconds": 1, "microseconds": 2}}`)
		p.SendLine(`{"event": "STOP", "timestamp": {"seconds": 1, "microseconds": 3}, "vm":"db-prod" , "vm": "x"}`)
		p.WaitClosed()
		return nil
	})
	c, err := dialT(t, s.Addr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	name, err := c.VMName()
	if err != nil {
		t.Fatal(err)
	}
	c.SetLabel(name)
	for _, want := range []string{"SHUTDOWN", "STOP"} {
		ev, err := c.Next(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if ev.Name != want || ev.VM != "web-test" || ev.HasVM {
			t.Errorf("got %s from %q (HasVM %v), want %s from web-test", ev.Name, ev.VM, ev.HasVM, want)
		}
		if strings.Contains(string(ev.Raw), "db-prod") {
			t.Errorf("the monitor's vm member survived: %s", ev.Raw)
		}
	}
}

// Item 8, during a query: events held while query-name was pending are
// labelled too, and their "vm" is dropped.
func TestHostileVMMemberDuringQuery(t *testing.T) {
	s := conntest.NewServer(t, func(p *conntest.Peer) error {
		if err := p.Greet(); err != nil {
			return err
		}
		c, err := p.Expect("query-name")
		if err != nil {
			return err
		}
		p.SendLine(`{"event": "STOP", "vm": "db-prod", "timestamp": {"seconds": 1, "microseconds": 3}}`)
		p.Reply(c, `{"name": "web-test"}`)
		p.WaitClosed()
		return nil
	})
	c, err := dialT(t, s.Addr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	name, _ := c.VMName()
	c.SetLabel(name)
	ev, err := c.Next(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if ev.VM != "web-test" || ev.HasVM || strings.Contains(string(ev.Raw), "db-prod") {
		t.Errorf("got %q HasVM=%v raw %s", ev.VM, ev.HasVM, ev.Raw)
	}
}

// Item 11: big events while a reply is pending are bounded in bytes: the
// connection fails with a clear error instead of growing memory.
func TestHostilePendingBytesBounded(t *testing.T) {
	old := maxPendingBytes
	maxPendingBytes = 1 << 20
	t.Cleanup(func() { maxPendingBytes = old })
	big := `"` + strings.Repeat("x", 100<<10) + `"`
	s := conntest.NewServer(t, func(p *conntest.Peer) error {
		if err := p.Greet(); err != nil {
			return err
		}
		if _, err := p.Expect("query-name"); err != nil {
			return err
		}
		// 50 events of 100 KB (5 MB), far fewer than the count limit.
		for range 50 {
			if err := p.Event("BIG", `{"x": `+big+`}`); err != nil {
				return nil // the client gave up, as it should
			}
		}
		p.WaitClosed()
		return nil
	})
	c, err := dialT(t, s.Addr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.VMName()
	if err == nil || !strings.Contains(err.Error(), "MB of events while waiting for the query-name reply") {
		t.Fatalf("got %v, want the pending-bytes error", err)
	}
	if n := len(c.pending); n > 11 {
		t.Errorf("%d events held, want at most 1 MB of them", n)
	}
	// The events that came before the limit still come out, then the error.
	n := 0
	for {
		if _, err = c.Next(t.Context()); err != nil {
			break
		}
		n++
	}
	if n == 0 || !strings.Contains(err.Error(), "MB of events") {
		t.Errorf("%d events then %v", n, err)
	}
}

// Item 16: a regular file, a folder and /dev/null are "not a socket".
func TestHostileNotASocket(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file.qmp")
	os.WriteFile(file, []byte("x"), 0o600)
	for _, path := range []string{file, dir, "/dev/null"} {
		_, err := Dial(t.Context(), Addr{Network: "unix", Address: path}, Options{})
		if err == nil || !strings.Contains(err.Error(), "not a socket") {
			t.Errorf("%s: got %v, want not a socket", path, err)
		}
	}
}

// Item 16: a stall on the qmp_capabilities reply says what was awaited.
func TestHostileCapabilitiesStall(t *testing.T) {
	s := conntest.NewServer(t, func(p *conntest.Peer) error {
		if err := p.SendLine(conntest.Greeting); err != nil {
			return err
		}
		if _, err := p.Expect("qmp_capabilities"); err != nil {
			return err
		}
		p.WaitClosed()
		return nil
	})
	_, err := dialT(t, s.Addr, Options{GreetingTimeout: 200 * time.Millisecond})
	var ce *CapabilitiesTimeoutError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "no reply to qmp_capabilities") {
		t.Fatalf("got %v", err)
	}
}

// Item 16: every extra client of a busy monitor gets the hint, the first
// (queued, waiting for a greeting that never comes) and the later ones
// (refused by the kernel with EAGAIN, the queue being full).
func TestHostileBusyMonitorHint(t *testing.T) {
	path := conntest.NewBusySocket(t)
	_, err := Dial(t.Context(), Addr{Network: "unix", Address: path}, Options{GreetingTimeout: 200 * time.Millisecond})
	var ge *GreetingTimeoutError
	if !errors.As(err, &ge) || !strings.Contains(err.Error(), "another client may hold this monitor") {
		t.Errorf("first extra client: got %v, want the greeting timeout with the hint", err)
	}
	conntest.FillQueue(t, path)
	for i := range 3 {
		_, err := Dial(t.Context(), Addr{Network: "unix", Address: path}, Options{GreetingTimeout: 200 * time.Millisecond})
		var be *BusyError
		if !errors.As(err, &be) || !strings.Contains(err.Error(), "another client may hold this monitor") {
			t.Errorf("client %d: got %v, want EAGAIN with the busy hint", i+3, err)
		}
	}
}

// Item 15 and 16: unix:PATH is literal; unix: alone is an error.
func TestHostileAddresses(t *testing.T) {
	a, err := ParseAddr("unix:/run/vm[1].qmp")
	if err != nil || a.IsPattern() || a.Address != "/run/vm[1].qmp" {
		t.Errorf("unix:/run/vm[1].qmp: %+v %v, want a literal path", a, err)
	}
	a, err = ParseAddr("unix:/tmp/\x1b[2J*.qmp")
	if err != nil || a.IsPattern() {
		t.Errorf("unix: with [2J: %+v %v", a, err)
	}
	if a, _ := ParseAddr("/run/qemu/*.qmp"); !a.IsPattern() {
		t.Errorf("a bare path with * is a pattern")
	}
	for _, s := range []string{"unix:", ""} {
		if _, err := ParseAddr(s); err == nil {
			t.Errorf("%q: want an error", s)
		}
	}
	// A literal path with [ is dialled as is.
	dir := t.TempDir()
	path := filepath.Join(dir, "vm[1].qmp")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
		}
	}()
	_, err = dialT(t, "unix:"+path, Options{})
	if err == nil || strings.Contains(err.Error(), "no such socket") {
		t.Errorf("got %v, want the socket at the literal path reached", err)
	}
}
