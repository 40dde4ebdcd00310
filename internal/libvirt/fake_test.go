package libvirt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	golibvirt "github.com/digitalocean/go-libvirt"
)

// fakeDaemon is a scripted libvirtd on a unix socket: it answers the calls
// qmpwatch makes, records every procedure it receives, and sends events.
type fakeDaemon struct {
	t      *testing.T
	path   string
	mu     sync.Mutex
	got    []proc
	conn   net.Conn
	wmu    sync.Mutex
	joined chan struct{}
	typ    string // ConnectGetType's answer; QEMU when empty
}

func startFake(t *testing.T) *fakeDaemon {
	f := &fakeDaemon{t: t, path: filepath.Join(t.TempDir(), "libvirt-sock"), joined: make(chan struct{})}
	ln, err := net.Listen("unix", f.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		t.Cleanup(func() { c.Close() })
		f.conn = c
		close(f.joined)
		f.serve(c)
	}()
	return f
}

type enc struct{ bytes.Buffer }

func (e *enc) u32(v uint32) *enc { binary.Write(&e.Buffer, binary.BigEndian, v); return e }
func (e *enc) u64(v uint64) *enc { binary.Write(&e.Buffer, binary.BigEndian, v); return e }
func (e *enc) str(s string) *enc {
	e.u32(uint32(len(s)))
	e.WriteString(s)
	e.Write(make([]byte, (4-len(s)%4)%4))
	return e
}
func (e *enc) dom(name string, id int32) *enc {
	e.str(name)
	e.Write(make([]byte, 16))
	return e.u32(uint32(id))
}

func (f *fakeDaemon) serve(c net.Conn) {
	for {
		pkt, err := readPacket(c)
		if err != nil {
			return
		}
		program := binary.BigEndian.Uint32(pkt[4:8])
		number := binary.BigEndian.Uint32(pkt[12:16])
		serial := binary.BigEndian.Uint32(pkt[20:24])
		f.mu.Lock()
		f.got = append(f.got, proc{program, number})
		f.mu.Unlock()
		r := &enc{}
		switch (proc{program, number}) {
		case proc{programRemote, 66}: // AuthList: none
			r.u32(1).u32(0)
		case proc{programRemote, 3}:
			if f.typ == "" {
				f.typ = "QEMU"
			}
			r.str(f.typ)
		case proc{programRemote, 4}:
			r.u64(7002000)
		case proc{programRemote, 273}:
			r.u32(1).dom("fake1", 1).u32(1)
		case proc{programRemote, 212}:
			r.u32(3).u32(1) // paused (user)
		case proc{programRemote, 316}, proc{programQEMU, 4}:
			r.u32(7)
		}
		f.send(program, number, 1, serial, r.Bytes())
	}
}

func (f *fakeDaemon) send(program, number, typ, serial uint32, payload []byte) {
	h := &enc{}
	h.u32(uint32(headerLen + len(payload))).u32(program).u32(1).u32(number).u32(typ).u32(serial).u32(0)
	h.Write(payload)
	f.wmu.Lock()
	defer f.wmu.Unlock()
	f.conn.Write(h.Bytes())
}

// monitorEvent sends a QEMU monitor event; data "" means none.
func (f *fakeDaemon) monitorEvent(dom, name string, sec uint64, usec uint32, data string) {
	p := (&enc{}).u32(7).dom(dom, 1).str(name).u64(sec).u32(usec)
	if data == "" {
		p.u32(0)
	} else {
		p.u32(1).str(data)
	}
	f.send(programQEMU, procMonitorEvent, messageType, 0, p.Bytes())
}

func (f *fakeDaemon) procs() []proc {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]proc(nil), f.got...)
}

// TestAllowlistOnTheWire proves that only allowlisted procedures reach the
// daemon, that a forbidden call fails without being sent, and that events
// without data come through.
func TestAllowlistOnTheWire(t *testing.T) {
	f := startFake(t)
	u, err := ParseURI("qemu+unix:///system?socket=" + f.path)
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
	f.monitorEvent("fake1", "STOP", 1795240036, 7, "")
	f.monitorEvent("fake1", "BLOCK_JOB_READY", 1795240037, 996755, `{"device":"drive-virtio-disk0","len":18446744073709551615}`)
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
	for _, p := range f.procs() {
		if _, ok := allowed[p]; !ok {
			t.Errorf("daemon received %v, not on the allowlist", p)
		}
	}
	if len(f.procs()) < 7 {
		t.Errorf("daemon received only %v", f.procs())
	}
}

// TestBrokenEventEndsStream: an event libvirt relays malformed is an error
// at its place in the stream, not a silent drop.
func TestBrokenEventEndsStream(t *testing.T) {
	f := startFake(t)
	u, _ := ParseURI("qemu+unix:///system?socket=" + f.path)
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
	f.monitorEvent("fake1", "RESUME", 1, 2, "")
	f.monitorEvent("fake1", "X", 1, 2, "{not json")
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
	f := startFake(t)
	f.typ = "Xen"
	u, _ := ParseURI("qemu+unix:///system?socket=" + f.path)
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
