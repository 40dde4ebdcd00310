package qemutest

import "testing"

// Restart starts a new QEMU in the folder of v, which must have ended (Kill,
// or quit): its tool monitor is at the same path as v's, which is what a VM
// restarted by its manager looks like to a watcher. QEMU replaces the stale
// socket file a killed QEMU left behind. Options that create files of their
// own (Guest, CDROM) and TCPMonitor are not supported.
func (v *VM) Restart(t testing.TB, o Options) *VM {
	t.Helper()
	if !v.Exited() {
		t.Fatalf("qemutest: Restart of a QEMU that is still running")
	}
	if o.Guest != "" || o.CDROM != "" || o.TCPMonitor {
		t.Fatalf("qemutest: Restart supports neither Guest, CDROM nor TCPMonitor")
	}
	nv, err := start(t, Need(t), v.Dir, o, nil)
	if err != nil {
		t.Fatalf("qemutest: restarting QEMU: %v", err)
	}
	return nv
}
