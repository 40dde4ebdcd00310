package source

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// A VM whose session ended is dialled again at the same path even when the
// socket there looks the same (same device, inode and change time): ext4
// gives a VM restarted at the same path the inode its old socket freed, so
// the identity of the file cannot tell the VMs apart. Here one listening
// socket serves two sessions, the strongest form of "looks the same".
// Without --reconnect the folder watch must still see the second session.
func TestWatchDirSameInodeAfterSession(t *testing.T) {
	dir := shortDir(t)
	var log statusLog
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	m := New(ctx, Options{Status: log.add})
	m.WatchDir(dir, 10*time.Millisecond, false)
	m.Seal()
	fakeAt(t, filepath.Join(dir, "vm.qmp"),
		func(c net.Conn) error { return qemuSide(c, "vm", []string{event("STOP", 1)}, false) },
		func(c net.Conn) error { return qemuSide(c, "vm", []string{event("RESUME", 2)}, true) })
	for _, want := range []string{"vm:STOP", "vm:RESUME"} {
		ctx, stop := context.WithTimeout(t.Context(), 20*time.Second)
		ev, err := m.Next(ctx)
		stop()
		if err != nil {
			t.Fatalf("waiting for %s: %v (statuses: %s)", want, err, log.String())
		}
		if g := ev.VM + ":" + ev.Name; g != want {
			t.Fatalf("got %s, want %s", g, want)
		}
	}
	cancel()
	m.Wait()
}

// A stale socket (nothing listening) is tried once, not at every poll.
func TestWatchDirStaleSocketOnce(t *testing.T) {
	dir := shortDir(t)
	path := filepath.Join(dir, "gone.qmp")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	var log statusLog
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	m := New(ctx, Options{Status: log.add})
	m.WatchDir(dir, 5*time.Millisecond, false)
	m.Seal()
	// Then a live VM appears next to it: by the time it is seen, the stale
	// one has been polled many times.
	time.Sleep(200 * time.Millisecond)
	fakeAt(t, filepath.Join(dir, "live.qmp"), func(c net.Conn) error { return qemuSide(c, "live", []string{event("STOP", 1)}, true) })
	if _, err := m.Next(t.Context()); err != nil {
		t.Fatal(err)
	}
	cancel()
	m.Wait()
	n := 0
	for _, st := range log.list {
		if st.Kind == Unreachable {
			n++
		}
	}
	if n != 1 {
		t.Errorf("stale socket reported %d times, want once: %s", n, log.String())
	}
}

// Issue 12 item 5: a socket named with an escape sequence, in a watched
// folder, is named escaped in every status (connected, closed, refused).
func TestWatchDirHostileSocketName(t *testing.T) {
	dir := shortDir(t)
	var log statusLog
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	m := New(ctx, Options{Status: log.add})
	m.WatchDir(dir, 10*time.Millisecond, false)
	m.Seal()
	fakeAt(t, filepath.Join(dir, "ev\x1b]0;PWNED\a\u009b\u202e.qmp"), func(c net.Conn) error {
		return qemuSide(c, "", []string{event("STOP", 1)}, false)
	})
	if _, err := m.Next(t.Context()); err != nil {
		t.Fatal(err)
	}
	cancel()
	m.Wait()
	if len(log.list) == 0 {
		t.Fatal("no status")
	}
	for _, st := range log.list {
		for _, r := range st.Addr {
			if r < 0x20 || (r >= 0x7f && r < 0xa0) || (r >= 0x202a && r <= 0x202e) {
				t.Errorf("raw %U in status address %q", r, st.Addr)
			}
		}
		if !strings.Contains(st.Addr, `ev\x1b]0;PWNED\x07\u009b\u202e.qmp`) {
			t.Errorf("address %q, want it escaped", st.Addr)
		}
	}
}

// A socket seen between QEMU's bind and listen (refused) is dialled again
// at later polls, and picked up once it listens: the refusal is said once.
func TestWatchDirBoundBeforeListening(t *testing.T) {
	dir := shortDir(t)
	path := filepath.Join(dir, "slow.qmp")
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	var log statusLog
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	m := New(ctx, Options{Status: log.add})
	m.WatchDir(dir, 5*time.Millisecond, false)
	m.Seal()
	// Let the watch find it refusing, then listen.
	time.Sleep(100 * time.Millisecond)
	if err := syscall.Listen(fd, 8); err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), path)
	ln, err := net.FileListener(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go qemuSide(c, "slow", []string{event("STOP", 1)}, true)
		}
	}()
	ectx, stop := context.WithTimeout(t.Context(), 20*time.Second)
	defer stop()
	ev, err := m.Next(ectx)
	if err != nil {
		t.Fatalf("the socket was not picked up once listening: %v (statuses %s)", err, log.String())
	}
	if ev.VM != "slow" || ev.Name != "STOP" {
		t.Errorf("got %s:%s", ev.VM, ev.Name)
	}
	cancel()
	m.Wait()
	n := 0
	for _, st := range log.list {
		if st.Kind == Unreachable {
			n++
		}
	}
	if n > 1 {
		t.Errorf("refusal reported %d times: %s", n, log.String())
	}
}

// A monitor that ends every session at once, on the same socket, is not
// redialled in a loop: after a second session on the same socket the
// folder watch waits for another socket at that path.
func TestWatchDirNoRedialLoop(t *testing.T) {
	dir := shortDir(t)
	var sessions atomic.Int32
	var log statusLog
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	m := New(ctx, Options{Status: log.add})
	m.WatchDir(dir, 2*time.Millisecond, false)
	m.Seal()
	fakeAt(t, filepath.Join(dir, "flap.qmp"), func(c net.Conn) error {
		sessions.Add(1)
		return qemuSide(c, "flap", nil, false)
	})
	for deadline := time.Now().Add(20 * time.Second); sessions.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	// Give a loop, if there were one, time to show.
	time.Sleep(300 * time.Millisecond)
	cancel()
	m.Wait()
	if n := sessions.Load(); n < 1 || n > 2 {
		t.Errorf("%d sessions, want 1 or 2 (statuses %s)", n, log.String())
	}
}
