package source

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
)

// Issue 12 item 1 against real QEMU: a VM killed and restarted at the same
// socket path (on ext4 the new socket gets the freed inode) is picked up
// again by a folder watch without --reconnect, every time, and each STOP
// sent to it is seen.
func TestWatchDirRealQEMURestarts(t *testing.T) {
	v := qemutest.Start(t, qemutest.Options{Name: "restarted"})
	dir := qemutest.ShortTempDir(t)
	// The folder holds a link to the VM's tool monitor only (its own folder
	// also holds the test's control monitor).
	if err := os.Symlink(v.Monitor, filepath.Join(dir, "vm.qmp")); err != nil {
		t.Fatal(err)
	}
	connected := make(chan struct{}, 16)
	var unreachable []string // only touched under the Merge's lock, then after Wait
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	m := New(ctx, Options{Status: func(s Status) {
		switch s.Kind {
		case Connected, Reconnected:
			connected <- struct{}{}
		case Unreachable:
			unreachable = append(unreachable, s.Err.Error())
		}
	}})
	m.WatchDir(dir, 20*time.Millisecond, false)
	m.Seal()
	const rounds = 4
	for i := range rounds {
		select {
		case <-connected:
		case <-time.After(60 * time.Second):
			t.Fatalf("round %d: the folder watch did not connect to the restarted VM", i)
		}
		v.MustDo(t, "stop", nil)
		for {
			ectx, stop := context.WithTimeout(ctx, 60*time.Second)
			ev, err := m.Next(ectx)
			stop()
			if err != nil {
				t.Fatalf("round %d: waiting for STOP: %v", i, err)
			}
			if ev.Name == "STOP" {
				if ev.VM != "restarted" {
					t.Errorf("round %d: STOP from %q", i, ev.VM)
				}
				break
			}
		}
		if i < rounds-1 {
			v.Kill()
			v = v.Restart(t, qemutest.Options{Name: "restarted"})
		}
	}
	cancel()
	m.Wait()
	// The stale socket a killed QEMU leaves is dialled (it may be a new VM
	// on the same inode), but its refusal is no news worth a line.
	if len(unreachable) > 0 {
		t.Errorf("reported unreachable: %q", unreachable)
	}
}
