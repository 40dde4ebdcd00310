// Package natstest starts a real NATS server with JetStream (Debian's
// nats-server binary) for tests: on 127.0.0.1, free ports, a store folder in
// the test's temp dir, stopped at cleanup. When nats-server is missing,
// tests skip, or fail when CI=true.
package natstest

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/realpart"
)

// Binary is the server the helper runs.
const Binary = "nats-server"

// Need returns the path of nats-server, or skips (fails under CI=true).
func Need(t testing.TB) string {
	t.Helper()
	return realpart.Need(t, Binary)
}

// Server is one nats-server process; Stop and Start restart it on the same
// port and store.
type Server struct {
	Port, MonPort int
	Dir           string // JetStream store
	Conf          string // extra configuration file, or ""

	t    testing.TB
	bin  string
	mu   sync.Mutex
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}
}

// Start runs a server with JetStream on file storage. conf, when not
// empty, is written to a configuration file given with -c (users,
// permissions).
func Start(t testing.TB, conf string) *Server {
	t.Helper()
	s := &Server{t: t, bin: Need(t), Dir: t.TempDir(), Port: freePort(t), MonPort: freePort(t)}
	if conf != "" {
		s.Conf = filepath.Join(s.Dir, "server.conf")
		if err := os.WriteFile(s.Conf, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// URL is nats://127.0.0.1:PORT.
func (s *Server) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", s.Port) }

// Start (re)starts the server and waits for /healthz.
func (s *Server) Start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return
	}
	args := []string{"-js", "-sd", filepath.Join(s.Dir, "store"), "-a", "127.0.0.1", "-p", fmt.Sprint(s.Port), "-m", fmt.Sprint(s.MonPort)}
	if s.Conf != "" {
		args = append(args, "-c", s.Conf)
	}
	log, err := os.OpenFile(filepath.Join(s.Dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		cmd := exec.Command(s.bin, args...)
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Start(); err != nil {
			s.t.Fatalf("natstest: %v", err)
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		if healthy(s.MonPort, done, deadline) {
			s.cmd, s.log, s.done = cmd, log, done
			return
		}
		cmd.Process.Kill()
		<-done
		// The old process may still hold the port for a moment.
		if time.Now().After(deadline) {
			log.Close()
			s.t.Fatalf("natstest: nats-server did not become healthy:\n%s", s.Log())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Stop ends the server (SIGTERM, then SIGKILL) and waits for it.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	s.log.Close()
	s.cmd = nil
}

// Log is the server's output so far, for failure reports.
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "server.log"))
	return string(b)
}

func healthy(port int, done chan struct{}, deadline time.Time) bool {
	c := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return false
		default:
		}
		resp, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", port))
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && strings.Contains(string(b), "ok") {
				return true
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
