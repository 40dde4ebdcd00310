package source

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Sockets that appear in a watched folder are picked up; a VM that stops
// and starts again on the same path is picked up again, with the gap.
func TestWatchDir(t *testing.T) {
	dir := shortDir(t)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a socket"), 0o644)
	var log statusLog
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	m := New(ctx, Options{Status: log.add, Markers: true})
	m.WatchDir(dir, 10*time.Millisecond, false)
	m.Seal()

	next := func() string {
		t.Helper()
		ev, err := m.Next(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return ev.VM + ":" + ev.Name
	}
	a := filepath.Join(dir, "a.qmp")
	lnA := fakeAt(t, a, func(c net.Conn) error { return qemuSide(c, "", []string{event("STOP", 1)}, false) })
	if g := next(); g != "a:STOP" {
		t.Fatalf("got %s", g)
	}
	if g := next(); g != "a:QMPWATCH_DISCONNECTED" {
		t.Fatalf("got %s", g)
	}
	// The VM stops (its socket goes) and another one starts.
	lnA.Close()
	os.Remove(a)
	fakeAt(t, filepath.Join(dir, "b.qmp"), func(c net.Conn) error { return qemuSide(c, "vm-b", []string{event("RESUME", 2)}, true) })
	if g := next(); g != "vm-b:RESUME" {
		t.Fatalf("got %s", g)
	}
	// a comes back on the same path: a new socket, dialled again.
	fakeAt(t, a, func(c net.Conn) error { return qemuSide(c, "", []string{event("RESET", 3)}, true) })
	if g := next(); g != "a:QMPWATCH_RECONNECTED" {
		t.Fatalf("got %s", g)
	}
	if g := next(); g != "a:RESET" {
		t.Fatalf("got %s", g)
	}
	cancel()
	m.Wait()
	if g := log.String(); g != "connected:a disconnected:a connected:vm-b reconnected:a" {
		t.Errorf("statuses %s", g)
	}
}

// QEMU dials qmpwatch: each VM is named by query-name, or by its process
// id when it has no -name.
func TestListen(t *testing.T) {
	path := filepath.Join(shortDir(t), "listen.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	var log statusLog
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	m := New(ctx, Options{Status: log.add})
	m.Listen(ln)
	m.Seal()
	errs := make(chan error, 3)
	for _, name := range []string{"vm-a", "vm-b", ""} {
		go func() {
			c, err := net.Dial("unix", path)
			if err != nil {
				errs <- err
				return
			}
			errs <- qemuSide(c, name, []string{event("STOP", 1), event("RESUME", 2)}, true)
		}()
	}
	got := map[string][]string{}
	for range 6 {
		ev, err := m.Next(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		got[ev.VM] = append(got[ev.VM], ev.Name)
	}
	self := "pid" + strconv.Itoa(os.Getpid())
	for _, vm := range []string{"vm-a", "vm-b", self} {
		if len(got[vm]) != 2 || got[vm][0] != "STOP" || got[vm][1] != "RESUME" {
			t.Errorf("%s: %v (all: %v)", vm, got[vm], got)
		}
	}
	cancel()
	m.Wait()
	for range 3 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the listening socket was not removed: %v", err)
	}
}
