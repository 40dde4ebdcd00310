//go:build linux

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair. Nothing answers on its master side
// but the test's reader, so it is a terminal that never answers a query, as
// the Linux console, a serial line or script(1) may be.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("ptsname: %v", err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open pts: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	return master, tty
}

// runOnTTY runs the built qmpwatch with a terminal that never answers as its
// stdin, stdout, stderr and controlling terminal (in the foreground, where
// termenv would ask), and returns all it wrote there.
func runOnTTY(t *testing.T, args ...string) []byte {
	t.Helper()
	master, tty := openPTY(t)
	cmd := exec.Command(builtBinary(t), args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.Env = append(os.Environ(), "TERM=xterm-256color", "COLORTERM=truecolor", "NO_COLOR=", "HOME="+t.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close() // the child holds its own copy: the master reads EIO once it exits
	var out bytes.Buffer
	read := make(chan error, 1)
	go func() { _, err := io.Copy(&out, master); read <- err }()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("qmpwatch %v: %v\n%q", args, err, out.Bytes())
		}
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("qmpwatch %v did not end", args)
	}
	if err := <-read; err != nil && !errors.Is(err, syscall.EIO) {
		t.Fatalf("reading the terminal: %v", err)
	}
	return out.Bytes()
}

// TestNoTerminalQueries: no command but a full-screen view asks the terminal
// anything. A query (OSC 11 for the background colour, CSI 6n for the cursor)
// waits 5 s where the terminal never answers, and a late answer lands in the
// shell as garbage.
func TestNoTerminalQueries(t *testing.T) {
	s := fakeVM(t, "vm-alpha", fakeEvents...)
	for _, tc := range []struct {
		args      []string
		wantColor bool // TERM is the user's again: colours on the terminal
	}{
		{args: []string{"--version"}},
		{args: []string{"watch", s.Addr}, wantColor: true},
	} {
		out := runOnTTY(t, tc.args...)
		for _, q := range []string{"\x1b]11;", "\x1b]10;", "\x1b[6n"} {
			if bytes.Contains(out, []byte(q)) {
				t.Errorf("qmpwatch %v sent the terminal query %q:\n%q", tc.args, q, out)
			}
		}
		if tc.wantColor && !bytes.Contains(out, []byte("\x1b[")) {
			t.Errorf("qmpwatch %v wrote no colour on a colour terminal (TERM not restored?):\n%q", tc.args, out)
		}
	}
}
