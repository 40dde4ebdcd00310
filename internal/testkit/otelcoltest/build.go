// Package otelcoltest runs a real OpenTelemetry Collector for tests: the
// one in tools/otelcol (the core OTLP receiver and the contrib file
// exporter), built from the collector's Go modules once into a cache folder
// and reused across test runs. When it cannot be built (no Go module
// proxy), tests skip, or fail when CI=true.
package otelcoltest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// source is tools/otelcol, found from this file: the tests run in their
// own package folders.
func source() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "tools", "otelcol")
}

// cacheDir holds the binaries, one per version of tools/otelcol's files
// and Go. QMPWATCH_OTELCOL_CACHE overrides it.
func cacheDir() (string, error) {
	if d := os.Getenv("QMPWATCH_OTELCOL_CACHE"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil { // no HOME: a shared temporary folder still saves rebuilds
		return filepath.Join(os.TempDir(), "qmpwatch-otelcol"), nil
	}
	return filepath.Join(d, "qmpwatch", "otelcol"), nil
}

// Need returns the collector binary, building it when the cache has none
// for the current tools/otelcol (a cold build takes a few minutes: it
// fetches and compiles the collector's modules). It skips, or fails under
// CI=true, when it cannot.
func Need(t testing.TB) string {
	t.Helper()
	bin, err := build()
	if err == nil {
		return bin
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("otelcoltest: cannot build the collector (CI=true, so this is an error, not a skip): %v", err)
	}
	t.Skipf("otelcoltest: cannot build the collector: %v", err)
	return ""
}

func build() (string, error) {
	src := source()
	key, err := hashFiles(src, "go.mod", "go.sum", "main.go")
	if err != nil {
		return "", err
	}
	dir, err := cacheDir()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "otelcol-"+key)
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	// Test binaries of several packages may want it at once: one builds,
	// the others wait on the lock and find it built.
	lock, err := os.OpenFile(filepath.Join(dir, "build.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	tmp := bin + ".tmp"
	start := time.Now()
	cmd := exec.Command("go", "build", "-trimpath", "-o", tmp, ".")
	cmd.Dir = src
	// Its own module, never a workspace; its go.sum is complete for the
	// build (go mod tidy -e: the contrib exporter has test-only
	// dependencies that the module proxy does not serve).
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build in %s: %v\n%s", src, err, out)
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", err
	}
	fmt.Fprintf(os.Stderr, "otelcoltest: built the collector in %s\n", time.Since(start).Round(time.Second))
	return bin, nil
}

func hashFiles(dir string, names ...string) (string, error) {
	h := sha256.New()
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return "", err
		}
		h.Write(b)
	}
	h.Write([]byte(runtime.Version()))
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
