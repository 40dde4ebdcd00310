package proxy

import (
	"context"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
)

// TestQEMUSharer: serve --share's dial takes the VM's own path over; the
// agent's client (as a Merge dials) and an operator's client at the path
// both see the STOP; Close gives the path back to QEMU's socket.
func TestQEMUSharer(t *testing.T) {
	qemutest.Need(t)
	v := qemutest.Start(t, qemutest.Options{Name: "shared"})
	path := v.Monitor
	qemuInode := inode(t, path)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sh := NewSharer(ctx, Options{})
	agent, err := conn.Dial(ctx, conn.Addr{Network: "unix", Address: path}, conn.Options{Dial: sh.Dial})
	if err != nil {
		t.Fatal(err)
	}
	defer agent.Close()
	if inode(t, path) == qemuInode {
		t.Fatal("the path is still QEMU's socket")
	}
	op := dialQMP(t, path)
	op.negotiate()
	v.MustDo(t, "stop", nil)
	if m := op.msg(); m["event"] != "STOP" {
		t.Fatalf("the operator's client: %v, want STOP", m)
	}
	if ev, err := agent.Next(ctx); err != nil || ev.Name != "STOP" {
		t.Fatalf("the agent's client: %v %v, want STOP", ev, err)
	}
	cancel()
	sh.Close()
	if inode(t, path) != qemuInode {
		t.Fatal("Close did not give the path back to QEMU's socket")
	}
}
