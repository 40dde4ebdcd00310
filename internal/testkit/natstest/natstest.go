// Package natstest starts a real NATS server with JetStream (Debian's
// nats-server binary) for tests: on 127.0.0.1, free ports, a store folder in
// the test's temp dir, stopped at cleanup. When nats-server is missing,
// tests skip, or fail when CI=true.
package natstest

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/testkit/proctest"
	"github.com/qmpwatch/qmpwatch/internal/testkit/realpart"
)

// Binary is the server the helper runs.
const Binary = "nats-server"

// Need returns the path of nats-server, or skips (fails under CI=true).
func Need(t testing.TB) string {
	t.Helper()
	return realpart.Need(t, Binary)
}

// Server is one nats-server process; Stop and Start restart it on the same
// port and store (Start waits for /healthz).
type Server struct {
	Port, MonPort int
	Dir           string // JetStream store
	Conf          string // extra configuration file, or ""

	proctest.Server // Start, Stop, Log
}

// Start runs a server with JetStream on file storage. conf, when not
// empty, is written to a configuration file given with -c (users,
// permissions).
func Start(t testing.TB, conf string) *Server {
	t.Helper()
	s := &Server{Dir: t.TempDir(), Port: proctest.FreePort(t), MonPort: proctest.FreePort(t)}
	args := []string{"-js", "-sd", filepath.Join(s.Dir, "store"), "-a", "127.0.0.1", "-p", fmt.Sprint(s.Port), "-m", fmt.Sprint(s.MonPort)}
	if conf != "" {
		s.Conf = filepath.Join(s.Dir, "server.conf")
		if err := os.WriteFile(s.Conf, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-c", s.Conf)
	}
	s.Server = proctest.Server{T: t, Bin: Need(t), Args: args, LogPath: filepath.Join(s.Dir, "server.log"),
		Timeout: 60 * time.Second, Ready: func() bool { return healthy(s.MonPort) }}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// URL is nats://127.0.0.1:PORT.
func (s *Server) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", s.Port) }

// healthy: the monitoring port's /healthz says ok.
func healthy(port int) bool {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", port))
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode == 200 && strings.Contains(string(b), "ok")
}
