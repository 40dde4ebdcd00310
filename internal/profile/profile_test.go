//go:build profile

package profile

import (
	"os"
	"path/filepath"
	"testing"
)

// Start writes the CPU profile and, beside it, the allocations profile.
func TestStartWritesBothProfiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpu.pprof")
	stop, err := Start(path)
	if err != nil {
		t.Fatal(err)
	}
	stop()
	for _, p := range []string{path, path + ".heap"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() == 0 {
			t.Errorf("%s is empty", p)
		}
	}
}

// A profile that cannot be created is an error, and profiles nothing.
func TestStartInMissingFolder(t *testing.T) {
	if _, err := Start(filepath.Join(t.TempDir(), "no", "cpu.pprof")); err == nil {
		t.Error("no error for a profile in a missing folder")
	}
}
