package libvirt

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	golibvirt "github.com/digitalocean/go-libvirt"

	"github.com/qmpwatch/qmpwatch/internal/testkit/libvirtfake"
)

// TestAllowlistOnTheWire proves that only allowlisted procedures reach the
// daemon, that a forbidden call fails without being sent, and that events
// without data come through.
func TestAllowlistOnTheWire(t *testing.T) {
	f := libvirtfake.Start(t, libvirtfake.Domain{Name: "fake1", ID: 1, State: 3, Reason: 1})
	u, err := ParseURI(f.URI)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Dial(ctx, u, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := c.Version(); err != nil || v.String() != "7.2.0" {
		t.Fatalf("version %v %v", v, err)
	}
	doms, err := c.Domains()
	if err != nil || len(doms) != 1 || doms[0].Name != "fake1" || doms[0].State.String() != "paused (user)" {
		t.Fatalf("domains %+v %v", doms, err)
	}
	if err := c.Subscribe(); err != nil {
		t.Fatal(err)
	}
	// What Route would have dropped: a QEMU event without data.
	f.MonitorEvent("fake1", "STOP", 1795240036, 7, "")
	f.MonitorEvent("fake1", "BLOCK_JOB_READY", 1795240037, 996755, `{"device":"drive-virtio-disk0","len":18446744073709551615}`)
	wants := []string{
		`{"timestamp": {"seconds": 1795240036, "microseconds": 7}, "event": "STOP"}`,
		`{"timestamp": {"seconds": 1795240037, "microseconds": 996755}, "event": "BLOCK_JOB_READY", "data": {"device":"drive-virtio-disk0","len":18446744073709551615}}`,
	}
	for _, want := range wants {
		it, err := c.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if it.Event == nil || string(it.Event.Raw) != want || it.Event.VM != "fake1" {
			t.Fatalf("got %+v, want %s", it, want)
		}
	}
	// A call that would send QMP through libvirt never leaves qmpwatch.
	_, err = c.lv.QEMUDomainMonitorCommand(golibvirt.Domain{Name: "fake1"}, `{"execute":"stop"}`, 0)
	var fe *ForbiddenError
	if !errors.As(err, &fe) {
		t.Fatalf("forbidden call: %v", err)
	}
	time.Sleep(100 * time.Millisecond)
	for _, p := range f.Procs() {
		if _, ok := allowed[proc{p.Program, p.Number}]; !ok {
			t.Errorf("daemon received %v, not on the allowlist", p)
		}
	}
	if len(f.Procs()) < 7 {
		t.Errorf("daemon received only %v", f.Procs())
	}
}

// TestBrokenEventEndsStream: an event libvirt relays malformed is an error
// at its place in the stream, not a silent drop.
func TestBrokenEventEndsStream(t *testing.T) {
	f := libvirtfake.Start(t)
	u, _ := ParseURI(f.URI)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Dial(ctx, u, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Subscribe(); err != nil {
		t.Fatal(err)
	}
	f.MonitorEvent("fake1", "RESUME", 1, 2, "")
	f.MonitorEvent("fake1", "X", 1, 2, "{not json")
	if it, err := c.Next(ctx); err != nil || it.Event.Name != "RESUME" {
		t.Fatalf("%+v %v", it, err)
	}
	if _, err := c.Next(ctx); err == nil {
		t.Fatal("no error for a malformed event")
	}
}

func TestDialErrors(t *testing.T) {
	u, _ := ParseURI("qemu:///system")
	cases := []struct {
		err  error
		want string
	}{
		{syscall.ENOENT, "libvirt socket /s is missing: is libvirtd running?"},
		{syscall.ECONNREFUSED, "libvirtd is not running (nothing answers on /s)"},
		{syscall.EACCES, "permission denied on /s: run qmpwatch as root or as a member of the libvirt group"},
	}
	for _, c := range cases {
		err := dialError(u, "/s", &net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", c.err)})
		if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "qemu:///system: ") {
			t.Errorf("%v: %v", c.err, err)
		}
	}
	// A socket file nobody listens on.
	dir := t.TempDir()
	ln, err := net.Listen("unix", filepath.Join(dir, "s"))
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	u, _ = ParseURI("qemu+unix:///system?socket=" + filepath.Join(dir, "s"))
	if _, err := Dial(context.Background(), u, Options{}); err == nil || !strings.Contains(err.Error(), "libvirtd is not running") {
		t.Errorf("refused: %v", err)
	}
}

// TestNotQEMU: a daemon for another driver is refused in one line.
func TestNotQEMU(t *testing.T) {
	f := libvirtfake.Start(t)
	f.Type = "Xen"
	u, _ := ParseURI(f.URI)
	_, err := Dial(context.Background(), u, Options{})
	if err == nil || !strings.Contains(err.Error(), "driver is Xen, not QEMU") {
		t.Fatalf("got %v", err)
	}
}

// TestSilentPeer: a socket that accepts and never answers is an error after
// the dial timeout, not a hang.
func TestSilentPeer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			defer c.Close()
			io.Copy(io.Discard, c)
		}
	}()
	u, _ := ParseURI("qemu+unix:///system?socket=" + path)
	_, err = Dial(context.Background(), u, Options{DialTimeout: 300 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "no libvirt answer on "+path+" within 300ms") {
		t.Fatalf("got %v", err)
	}
}
