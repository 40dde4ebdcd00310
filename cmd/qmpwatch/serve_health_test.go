package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeHealthListenSocketDeleted: serve --listen is healthy while its
// socket file is there, and says on /healthz that QEMU cannot connect once
// the file is deleted. Before, /healthz stayed 200.
func TestServeHealthListenSocketDeleted(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "qmpwatch.sock")
	s := startServe(t, "--listen", sock)
	if code, body := s.get(t, "/healthz"); code != 200 {
		t.Fatalf("healthz with the socket there: %d %q", code, body)
	}
	if err := os.Remove(sock); err != nil {
		t.Fatal(err)
	}
	code, body := s.get(t, "/healthz")
	if code != 503 || !strings.Contains(body, sock+": the listen socket was deleted") || !strings.Contains(body, "restart qmpwatch") {
		t.Errorf("healthz after the socket was deleted: %d %q", code, body)
	}
}
