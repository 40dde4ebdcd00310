package otelcoltest

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/testkit/proctest"
)

// Collector is one collector process: an OTLP/HTTP receiver on 127.0.0.1
// and a file exporter writing OTLP-JSON lines. Stop and Start restart it on
// the same port and file (Stop sends SIGTERM: the collector flushes its
// file first).
type Collector struct {
	Port int
	Dir  string
	File string // the file exporter's output

	proctest.Server // Start, Stop, Log
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
	c := &Collector{Dir: t.TempDir(), Port: proctest.FreePort(t)}
	c.File = filepath.Join(c.Dir, "logs.jsonl")
	c.Server = proctest.Server{T: t, Bin: Need(t), Args: []string{"--config", filepath.Join(c.Dir, "config.yaml")},
		LogPath: filepath.Join(c.Dir, "collector.log"), Timeout: time.Minute, Ready: c.ready}
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

// ready: POST /v1/logs with an empty request answers 200 once it is up.
func (c *Collector) ready() bool {
	hc := &http.Client{Timeout: 2 * time.Second}
	resp, err := hc.Post(c.URL()+"/v1/logs", "application/json", bytes.NewReader([]byte("{}")))
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == 200
}
