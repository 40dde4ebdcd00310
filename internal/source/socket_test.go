package source

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/conn"
)

func TestListenSocket(t *testing.T) {
	dir := shortDir(t)
	path := filepath.Join(dir, "s.sock")
	addr := conn.Addr{Network: "unix", Address: path}

	ln, err := ListenSocket(addr, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	// A live socket is not taken over.
	if _, err := ListenSocket(addr, 0o600); err == nil || !strings.Contains(err.Error(), "another process is listening there") {
		t.Errorf("second listener: %v", err)
	}
	ln.Close()

	// A stale socket (its listener gone, the file left) is replaced.
	stale, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close()
	ln, err = ListenSocket(addr, 0o660)
	if err != nil {
		t.Fatalf("stale socket: %v", err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o660 {
		t.Errorf("socket mode %v, want 0660", fi.Mode().Perm())
	}
	ln.Close()

	// Anything else at the path is left alone.
	os.WriteFile(path, []byte("data"), 0o644)
	if _, err := ListenSocket(addr, 0o600); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("regular file: %v", err)
	}
}
