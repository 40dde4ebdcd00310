package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
)

// TestWatchSameVMTwice: two monitors of one VM (the same -name) in one
// watch double its events; it is said once, naming both paths.
func TestWatchSameVMTwice(t *testing.T) {
	a, b := answeringVM(t, "vm1"), answeringVM(t, "vm1")
	checkTwinWarning(t, "VM vm1", a.Addr, b.Addr)
}

// TestWatchSameVMTwiceQEMU: a real QEMU with two -qmp monitors, known by
// its -name, or, without one, by its -uuid (query-uuid).
func TestWatchSameVMTwiceQEMU(t *testing.T) {
	const uuid = "6b1f7c9e-2d4a-4e8b-9f0a-3c5d7e9f1a2b"
	for _, tc := range []struct {
		name string
		o    qemutest.Options
		who  string
	}{
		{"by -name", qemutest.Options{Name: "twin-vm"}, "VM twin-vm"},
		{"by -uuid", qemutest.Options{Extra: []string{"-uuid", uuid}}, "VM with UUID " + uuid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			second := filepath.Join(qemutest.ShortTempDir(t), "second.qmp")
			tc.o.Extra = append(tc.o.Extra, "-qmp", "unix:"+second+",server=on,wait=off")
			vm := qemutest.Start(t, tc.o)
			checkTwinWarning(t, tc.who, vm.Monitor, second)
		})
	}
}

// checkTwinWarning watches a and b, two monitors of one VM, and wants one
// warning about who, naming both in the order they connected.
func checkTwinWarning(t *testing.T, who, a, b string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, errOut, code := startRun(t, ctx, "watched twice", "watch", a, b, "-o", "json")
	cancel()
	if c := <-code; c != 0 {
		t.Errorf("exit %d: %s", c, errOut)
	}
	var warned []string
	for _, l := range strings.Split(errOut.String(), "\n") {
		if strings.Contains(l, "watched twice") {
			warned = append(warned, l)
		}
	}
	first, second := a, b
	if len(warned) == 1 && strings.Index(warned[0], b) < strings.Index(warned[0], a) {
		first, second = b, a // whichever connected first
	}
	want := "qmpwatch: warning: " + who + " is watched twice, at " + first + " and " + second + ": each of its events shows twice (watch one of them)"
	if len(warned) != 1 || warned[0] != want {
		t.Errorf("warnings %q, want once %q\nstderr:\n%s", warned, want, errOut)
	}
}
