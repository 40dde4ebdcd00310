package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/conn"
)

// TestSocketKept: the check is quiet while the listener's socket file is
// there, and names the cause once it is deleted or replaced.
func TestSocketKept(t *testing.T) {
	for _, c := range []struct {
		name, want string
		do         func(path string) error
	}{
		{"deleted", "was deleted", os.Remove},
		{"replaced", "was replaced", func(path string) error {
			if err := os.Remove(path); err != nil {
				return err
			}
			return os.WriteFile(path, nil, 0o600)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "qmpwatch.sock")
			ln, err := ListenSocket(conn.Addr{Network: "unix", Address: path}, 0o600)
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			check := SocketKept(ln)
			if check == nil {
				t.Fatal("no check for a unix socket")
			}
			if got := check(); got != "" {
				t.Fatalf("a fresh socket: %s", got)
			}
			if err := c.do(path); err != nil {
				t.Fatal(err)
			}
			if got := check(); !strings.Contains(got, c.want) || !strings.Contains(got, "restart qmpwatch") {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
