package proxy

import (
	"context"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
)

// takeOver takes v's monitor over as the command does: lock, dial, move.
func takeOver(t *testing.T, path string) (*Takeover, *Proxy, net.Listener, context.CancelFunc, chan struct{}) {
	t.Helper()
	tk, _, err := Take(path)
	if err != nil {
		t.Fatal(err)
	}
	p := New(Options{Addr: conn.Addr{Network: "unix", Address: path}})
	ctx, cancel := context.WithCancel(context.Background())
	if err := p.Connect(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	ln, err := tk.Move()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ran := make(chan struct{})
	go func() { p.Run(ctx); close(ran) }()
	go p.Serve(ctx, ln)
	return tk, p, ln, cancel, ran
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

// TestQEMUTakeover serves two clients at once on the VM's own monitor
// path, with its mode kept; a second takeover is refused in one line; on
// release the path is QEMU's own socket again and nothing is left beside it.
func TestQEMUTakeover(t *testing.T) {
	qemutest.Need(t)
	v := qemutest.Start(t, qemutest.Options{Name: "take"})
	path := v.Monitor
	os.Chmod(path, 0o640)
	qemuInode := inode(t, path)
	tk, _, ln, cancel, ran := takeOver(t, path)
	if inode(t, path) == qemuInode {
		t.Fatal("the path is still QEMU's socket")
	}
	if fi, _ := os.Lstat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("the proxy's socket has mode %o, want QEMU's 0640", fi.Mode().Perm())
	}
	if _, _, err := Take(path); err == nil || !strings.Contains(err.Error(), "already taken over") || strings.Contains(err.Error(), "\n") {
		t.Errorf("a second takeover: %v, want a one-line refusal", err)
	}
	a, b := dialQMP(t, path), dialQMP(t, path)
	a.negotiate()
	b.negotiate()
	v.MustDo(t, "stop", nil)
	for i, c := range []*qmpClient{a, b} {
		if m := c.msg(); m["event"] != "STOP" {
			t.Errorf("client %d: %v, want STOP", i, m)
		}
	}
	cancel() // what SIGTERM does in the command
	<-ran
	ln.Close()
	if err := tk.Release(); err != nil {
		t.Fatal(err)
	}
	if inode(t, path) != qemuInode {
		t.Fatal("the path was not given back to QEMU's socket")
	}
	hidden, tmp, lock := names(path)
	for _, f := range []string{hidden, tmp, lock} {
		if _, err := os.Lstat(f); err == nil {
			t.Errorf("%s left behind", f)
		}
	}
	c := dialQMP(t, path)
	c.negotiate() // QEMU itself answers again
}

// TestQEMUTakeoverKilled: a proxy killed while it held the path (no
// release) is recovered by --restore, and by the next takeover.
func TestQEMUTakeoverKilled(t *testing.T) {
	qemutest.Need(t)
	v := qemutest.Start(t, qemutest.Options{Name: "killed"})
	path := v.Monitor
	qemuInode := inode(t, path)
	for _, recover := range []string{"restore", "takeover"} {
		tk, _, ln, cancel, ran := takeOver(t, path)
		// Killed: the lock dies with the process, the names stay.
		cancel()
		<-ran
		ln.Close()
		tk.lock.Close()
		if inode(t, path) == qemuInode {
			t.Fatal("the path is QEMU's before recovery")
		}
		switch recover {
		case "restore":
			if err := Restore(path); err != nil {
				t.Fatal(err)
			}
		case "takeover":
			tk2, recovered, err := Take(path)
			if err != nil || !recovered {
				t.Fatalf("takeover after a kill: recovered %v, %v", recovered, err)
			}
			tk2.Release()
		}
		if inode(t, path) != qemuInode {
			t.Fatalf("%s did not give the path back to QEMU", recover)
		}
	}
	if err := Restore(path); err == nil || !strings.Contains(err.Error(), "not taken over") {
		t.Errorf("restoring a path not taken over: %v", err)
	}
}

// TestTakeoverRefusesNonSocket: a regular file is refused in one line.
func TestTakeoverRefusesNonSocket(t *testing.T) {
	f := t.TempDir() + "/vm.qmp"
	os.WriteFile(f, nil, 0o600)
	if _, _, err := Take(f); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("Take of a regular file: %v", err)
	}
}
