package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/testkit/conntest"
	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
)

// evilName is a VM -name that sets the terminal title, clears the screen,
// sends an 8-bit CSI and reverses the text after it.
const evilName = conntest.TitleSpoof + "\u009b2J" + "\u202eexe"

func noRaw(t *testing.T, what, text string) {
	t.Helper()
	if bad := conntest.RawTerminalBytes(text); bad != "" {
		t.Errorf("%s carries a raw %q:\n%q", what, bad, text)
	}
}

// Issue 12 item 5 against real QEMU: a VM named with escape sequences never
// gets one to the terminal, in watch (json and pretty, with markers),
// status (pretty and json) and sessions.
func TestHostileNameRealQEMU(t *testing.T) {
	qemutest.Need(t)
	vm := qemutest.Start(t, qemutest.Options{Name: evilName, VNC: true})

	for _, args := range [][]string{
		{"watch", vm.Monitor, "-o", "json", "--until", "RESUME"},
		{"watch", vm.Monitor, "--markers", "-o", "pretty", "--until", "RESUME"},
	} {
		cmd, stdout, stderr := startWatch(t, args...)
		vm.MustDo(t, "stop", nil)
		vm.MustDo(t, "cont", nil)
		if code := waitExit(t, cmd, 60*time.Second); code != 0 {
			t.Fatalf("%v: exit %d, stderr:\n%s", args, code, stderr)
		}
		if !strings.Contains(stdout.String(), "RESUME") {
			t.Errorf("%v: no RESUME in\n%s", args, stdout)
		}
		noRaw(t, strings.Join(args[2:], " ")+" stdout", stdout.String())
		noRaw(t, strings.Join(args[2:], " ")+" stderr", stderr.String())
	}

	for _, args := range [][]string{{"status", vm.Monitor}, {"status", "-o", "json", vm.Monitor}} {
		streams, out, errOut := testStreams("")
		if code := run(context.Background(), args, streams); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		if !strings.Contains(out.String(), "PWNED") {
			t.Errorf("%v: the name is missing:\n%s", args, out)
		}
		noRaw(t, strings.Join(args, " ")+" stdout", out.String())
		noRaw(t, strings.Join(args, " ")+" stderr", errOut.String())
	}

	out, errOut := &syncBuffer{}, &syncBuffer{}
	streams := &iostreams.Streams{In: strings.NewReader(""), Out: out, ErrOut: errOut}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"sessions", vm.Monitor}, streams) }()
	waitFor(t, errOut, "connected to")
	closeVNC := qemutest.VNCClient(t, vm.VNCAddr(t))
	closeVNC()
	waitFor(t, out, `"change":"end"`)
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("sessions: exit %d: %s", code, errOut)
	}
	noRaw(t, "sessions stdout", out.String())
	noRaw(t, "sessions stderr", errOut.String())
}
