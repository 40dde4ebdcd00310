package otelcoltest

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Collector is one collector process: an OTLP/HTTP receiver on 127.0.0.1
// and a file exporter writing OTLP-JSON lines. Stop and Start restart it on
// the same port and file.
type Collector struct {
	Port int
	Dir  string
	File string // the file exporter's output

	t    testing.TB
	bin  string
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

const config = `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:%d
exporters:
  file:
    path: %s
    flush_interval: 100ms
    append: true # a restart keeps what was written
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [otlp]
      exporters: [file]
`

// Start builds (once) and runs a collector, stopped at cleanup.
func Start(t testing.TB) *Collector {
	t.Helper()
	c := &Collector{t: t, bin: Need(t), Dir: t.TempDir(), Port: freePort(t)}
	c.File = filepath.Join(c.Dir, "logs.jsonl")
	conf := fmt.Sprintf(config, c.Port, c.File)
	if err := os.WriteFile(filepath.Join(c.Dir, "config.yaml"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	c.Start()
	t.Cleanup(c.Stop)
	return c
}

// URL is the receiver's base URL, http://127.0.0.1:PORT.
func (c *Collector) URL() string { return fmt.Sprintf("http://127.0.0.1:%d", c.Port) }

// Start (re)starts the collector and waits until it accepts logs.
func (c *Collector) Start() {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd != nil {
		return
	}
	log, err := os.OpenFile(filepath.Join(c.Dir, "collector.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		c.t.Fatal(err)
	}
	defer log.Close() // the child has its own copy
	deadline := time.Now().Add(60 * time.Second)
	for {
		cmd := exec.Command(c.bin, "--config", filepath.Join(c.Dir, "config.yaml"))
		cmd.Stdout, cmd.Stderr = log, log
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			c.t.Fatalf("otelcoltest: %v", err)
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		if c.ready(done, deadline) {
			c.cmd, c.done = cmd, done
			return
		}
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		if time.Now().After(deadline) {
			c.t.Fatalf("otelcoltest: the collector did not start:\n%s", c.Log())
		}
		time.Sleep(200 * time.Millisecond) // the old process may hold the port a moment
	}
}

// Stop ends the collector (SIGTERM, then SIGKILL): it flushes its file first.
func (c *Collector) Stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil {
		return
	}
	syscall.Kill(-c.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(20 * time.Second):
		syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
		<-c.done
	}
	c.cmd = nil
}

// Log is the collector's output so far, for failure reports.
func (c *Collector) Log() string {
	b, _ := os.ReadFile(filepath.Join(c.Dir, "collector.log"))
	return string(b)
}

// ready: POST /v1/logs with an empty request answers 200 once it is up.
func (c *Collector) ready(done chan struct{}, deadline time.Time) bool {
	hc := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return false
		default:
		}
		resp, err := hc.Post(c.URL()+"/v1/logs", "application/json", bytes.NewReader([]byte("{}")))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
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
