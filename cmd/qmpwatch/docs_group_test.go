package main

import (
	"context"
	"net"
	"os/exec"
	"regexp"
	"syscall"
	"testing"
	"time"
)

// tcpAddr matches the addresses an example's background command may listen
// on (serve --metrics 127.0.0.1:9477).
var tcpAddr = regexp.MustCompile(`\b127\.0\.0\.1:[0-9]+\b`)

// startShell runs line, an example's command that ends in "&", with bash.
func startShell(t *testing.T, ctx context.Context, dir string, env []string, line string) {
	t.Helper()
	startGroup(t, exec.CommandContext(ctx, "bash", "-c", line), dir, env, line)
}

// startGroup starts cmd in its own process group and kills the whole group
// when the test ends: what bash forks (a `qmpwatch serve … &`) must not
// outlive the test, keep its port and answer the next run's examples in
// place of the build under test. Then it waits until the TCP addresses that
// line names are free again.
func startGroup(t *testing.T, cmd *exec.Cmd, dir string, env []string, line string) {
	t.Helper()
	cmd.Dir, cmd.Env = dir, env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		for _, addr := range tcpAddr.FindAllString(line, -1) {
			waitPortFree(t, addr)
		}
	})
}

// waitPortFree waits until addr can be listened on again.
func waitPortFree(t *testing.T, addr string) {
	t.Helper()
	if err := retry(30*time.Second, func() error {
		l, err := net.Listen("tcp", addr)
		if err == nil {
			l.Close()
		}
		return err
	}); err != nil {
		t.Errorf("%s is still in use after the example ended: %v", addr, err)
	}
}

// retry calls try until it succeeds or for d, and returns its last error.
func retry(d time.Duration, try func() error) error {
	deadline := time.Now().Add(d)
	for {
		err := try()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDocsBackgroundLeavesNothing: a background example as docs/metrics.md
// has one (serve with --metrics, its stderr redirected, so bash forks it
// rather than exec it) leaves its port free when its test ends.
func TestDocsBackgroundLeavesNothing(t *testing.T) {
	bin := builtBinary(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	t.Run("serve", func(t *testing.T) {
		dir := t.TempDir()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		startShell(t, ctx, dir, nil, bin+" serve --dir "+dir+" --reconnect --metrics "+addr+" 2>/dev/null")
		if err := retry(time.Minute, func() error {
			c, err := net.Dial("tcp", addr)
			if err == nil {
				c.Close()
			}
			return err
		}); err != nil {
			t.Fatalf("serve did not listen on %s: %v", addr, err)
		}
	})
	l, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("the example's serve outlived its test: %v", err)
	}
	l.Close()
}
