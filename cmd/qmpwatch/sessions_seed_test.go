package main

import (
	"context"
	"strings"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
)

// Sessions open before qmpwatch connects, on a real QEMU: query-spice and
// query-vnc report them, each gets a start record without a start time, and
// their disconnects end them.
func TestSessionsOpenAtConnectRealQEMU(t *testing.T) {
	qemutest.Need(t)
	vm := qemutest.Start(t, qemutest.Options{Name: "vm-early", Spice: true, VNC: true})
	closeSpice := qemutest.SpiceSession(t, vm.SpiceAddr(), qemutest.SpiceDisplay)
	vm.WaitEventFunc(t, "SPICE_INITIALIZED", paneTimeout, nil) // main
	vm.WaitEventFunc(t, "SPICE_INITIALIZED", paneTimeout, nil) // display
	closeVNC := qemutest.VNCClient(t, vm.VNCAddr(t))
	vm.WaitEvent(t, "VNC_INITIALIZED", paneTimeout)

	out, errOut := &syncBuffer{}, &syncBuffer{}
	streams := &iostreams.Streams{In: strings.NewReader(""), Out: out, ErrOut: errOut}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"sessions", vm.Monitor}, streams) }()
	waitFor(t, out, `"protocol":"vnc"`)
	waitFor(t, out, `"protocol":"spice"`)
	closeSpice()
	closeVNC()
	waitFor(t, out, `"change":"end","vm":"vm-early","protocol":"spice"`)
	waitFor(t, out, `"change":"end","vm":"vm-early","protocol":"vnc"`)
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	starts := 0
	for _, r := range jsonRecords(t, out.String()) {
		if r["change"] == "start" {
			starts++
			if r["start"] != nil {
				t.Errorf("a session open before the watch has a start time: %v", r)
			}
		}
	}
	if starts != 2 {
		t.Errorf("%d start records, want one per session open at connect:\n%s", starts, out)
	}
}
