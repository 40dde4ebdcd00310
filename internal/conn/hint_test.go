package conn

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestNoSocketHint: dialling a path with nothing there names the monitor of
// the same folder that was most likely meant, and is still ErrNoSocket.
func TestNoSocketHint(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"vm1.qmp", "web-01.qmp", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ path, want string }{
		{"vm1", "; did you mean " + filepath.Join(dir, "vm1.qmp") + "?"},
		{"web-1.qmp", "; did you mean " + filepath.Join(dir, "web-01.qmp") + "?"},
		{"web01", "; did you mean " + filepath.Join(dir, "web-01.qmp") + "?"},
		{"notes", ""}, // not a monitor
		{"database", ""},
	} {
		addr, err := ParseAddr(filepath.Join(dir, tc.path))
		if err != nil {
			t.Fatal(err)
		}
		_, err = Dial(context.Background(), addr, Options{})
		if !errors.Is(err, ErrNoSocket) {
			t.Fatalf("%s: %v, want ErrNoSocket", tc.path, err)
		}
		want := addr.String() + ": " + ErrNoSocket.Error() + tc.want
		if err.Error() != want {
			t.Errorf("%s:\n got %s\nwant %s", tc.path, err, want)
		}
	}
}
