// Package proctest runs a real server as a child process for tests (a NATS
// server, an OpenTelemetry Collector): in its own process group, its output
// appended to a log file, started again until it answers (the process
// before it may hold the port a moment), and stopped with SIGTERM, then
// SIGKILL.
package proctest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Proc is one running server.
type Proc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// Start runs bin with args and polls ready until it reports true. A process
// that exits first, or that is not ready in time, is killed and started
// again, until timeout.
func Start(bin string, args []string, logPath string, timeout time.Duration, ready func() bool) (*Proc, error) {
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer log.Close() // the child has its own copy
	deadline := time.Now().Add(timeout)
	for {
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = log, log
		// Its own group, so Stop reaches its children too; and it dies with
		// the test binary should that be killed.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		p := &Proc{cmd: cmd, done: make(chan struct{})}
		go func() { cmd.Wait(); close(p.done) }()
		if p.await(ready, deadline) {
			return p, nil
		}
		p.kill()
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s did not become ready in %s", bin, timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (p *Proc) await(ready func() bool, deadline time.Time) bool {
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return false
		default:
		}
		if ready() {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// Stop ends the server: SIGTERM to its group, SIGKILL after grace.
func (p *Proc) Stop(grace time.Duration) {
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		p.kill()
	}
}

func (p *Proc) kill() {
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// Server is a server that a test may stop and start again, on the same
// arguments, ports and log.
type Server struct {
	T       testing.TB
	Bin     string
	Args    []string
	LogPath string
	Timeout time.Duration // for each Start
	Ready   func() bool   // it answers

	mu   sync.Mutex
	proc *Proc // nil while stopped
}

// Start starts the server unless it runs, and waits until it is ready; the
// test fails when it does not get ready.
func (s *Server) Start() {
	s.T.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return
	}
	p, err := Start(s.Bin, s.Args, s.LogPath, s.Timeout, s.Ready)
	if err != nil {
		s.T.Fatalf("proctest: %v:\n%s", err, s.Log())
	}
	s.proc = p
}

// Stop ends the server unless it is stopped: SIGTERM, SIGKILL after 20 s.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		s.proc.Stop(20 * time.Second)
		s.proc = nil
	}
}

// Kill ends the server with SIGKILL, as a crash would (nothing flushed),
// and waits for it; Start runs it again on the same arguments.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		s.proc.kill()
		s.proc = nil
	}
}

// Log is the server's output so far, for failure reports.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.LogPath)
	return string(b)
}

// FreePort is a TCP port on 127.0.0.1 that nothing listens on now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
