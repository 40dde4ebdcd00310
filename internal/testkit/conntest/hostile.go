package conntest

import (
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Hostile strings a monitor (or whoever names its socket) may send, each one
// that a terminal would act on if printed raw.
const (
	// TitleSpoof sets the terminal title and clears the screen.
	TitleSpoof = "evil\x1b]0;PWNED\a\x1b[2J"
	// CSI8 is the 8-bit CSI (U+009B) then "2J": clear screen on terminals
	// that honour C1 controls.
	CSI8 = "x\u009b2J"
	// BidiSpoof reverses the text after it on screen (U+202E), and an
	// isolate (U+2066) for good measure.
	BidiSpoof = "ok\u202egpj.exe\u2066"
)

// RawTerminalBytes reports the first character in s that a terminal would
// act on: C0 controls (other than newline and tab), DEL, C1 controls, or a
// bidi control. It returns "" when s is safe to print.
func RawTerminalBytes(s string) string {
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return string(r)
		case r == 0x061c || r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			return string(r)
		}
	}
	return ""
}

// JSONString quotes s for a script's JSON text the way QEMU would: with C1
// and bidi characters raw (JSON allows them) and only what JSON requires
// escaped.
func JSONString(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// ReplyError answers a command with QEMU's error reply.
func (p *Peer) ReplyError(c Command, class, desc string) error {
	msg := `{"error": {"class": ` + JSONString(class) + `, "desc": ` + JSONString(desc) + `}`
	if c.ID != nil {
		msg += `, "id": ` + string(c.ID)
	}
	return p.SendLine(msg + "}")
}

// Greet sends the greeting and accepts qmp_capabilities.
func (p *Peer) Greet() error {
	if err := p.SendLine(Greeting); err != nil {
		return err
	}
	c, err := p.Expect("qmp_capabilities")
	if err != nil {
		return err
	}
	return p.Reply(c, "{}")
}

// NewBusySocket makes a unix socket that is listening with a queue of one
// waiting connection and never accepts, like a monitor QEMU is busy with
// (it serves one client at a time): the first extra client waits for a
// greeting that never comes, later ones are refused with EAGAIN. It returns
// the socket's path.
func NewBusySocket(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "qmpbusy")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "busy.qmp")
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	return path
}

// FillQueue connects once to a busy socket so that the next client finds
// its queue full (it may be full already: then there is nothing to do). The
// connection is closed at the end of the test.
func FillQueue(t testing.TB, path string) {
	t.Helper()
	c, err := net.Dial("unix", path)
	if errors.Is(err, syscall.EAGAIN) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
}
