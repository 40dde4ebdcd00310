package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/iostreams"
)

// served is a `qmpwatch serve` running through run, in this process.
type served struct {
	base           string // http://127.0.0.1:PORT
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	done           chan int
}

var servingRE = regexp.MustCompile(`serving metrics on (http://[^/\s]+)/metrics`)

// startServe runs serve with args on a free port and waits until it serves.
func startServe(t *testing.T, args ...string) *served {
	t.Helper()
	s := &served{stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan int, 1)}
	streams := &iostreams.Streams{In: strings.NewReader(""), Out: s.stdout, ErrOut: s.stderr}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() {
		s.done <- run(ctx, append([]string{"serve", "--metrics", "127.0.0.1:0"}, args...), streams)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := servingRE.FindStringSubmatch(s.stderr.String()); m != nil {
			s.base = m[1]
			break
		}
		select {
		case code := <-s.done:
			t.Fatalf("serve ended with %d: %s", code, s.stderr)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if s.base == "" {
		cancel()
		t.Fatalf("serve did not start: %s", s.stderr)
	}
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop interrupts serve and returns its exit code.
func (s *served) stop(t *testing.T) int {
	s.cancel()
	select {
	case code := <-s.done:
		s.done <- code
		return code
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
		return -1
	}
}

func (s *served) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(s.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitMetric polls /metrics until it holds line.
func (s *served) waitMetric(t *testing.T, line string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var body string
	for time.Now().Before(deadline) {
		_, body = s.get(t, "/metrics")
		if strings.Contains(body, line) {
			return body
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %q in /metrics:\n%s\nstderr:\n%s", line, body, s.stderr)
	return ""
}

func TestServeCountsEvents(t *testing.T) {
	a := answeringVM(t, "vm-a", fakeEvents...)
	b := answeringVM(t, "vm-b", fakeEvents[0])
	s := startServe(t, a.Addr, b.Addr, "--schema", "builtin")
	s.waitMetric(t, `qmpwatch_events_total{vm="vm-a",event="SPICE_INITIALIZED"} 1`)
	body := s.waitMetric(t, `qmpwatch_events_total{vm="vm-b",event="STOP"} 1`)
	for _, want := range []string{`qmpwatch_up{vm="vm-a"} 1`, `qmpwatch_events_dropped_total{vm="vm-a",sink="metrics"} 0`,
		`qmpwatch_last_event_timestamp_seconds{vm="vm-b"} 1.700000000000005e+09`} {
		if !strings.Contains(body, want) {
			t.Errorf("no %s in /metrics", want)
		}
	}
	if code, h := s.get(t, "/healthz"); code != 200 {
		t.Errorf("healthz %d %q", code, h)
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("exit %d after interrupt: %s", code, s.stderr)
	}
	// Without -o json nothing goes to stdout.
	if out := s.stdout.String(); out != "" {
		t.Errorf("stdout without -o json: %q", out)
	}
}

// -o json writes the events (as filtered) while the metrics count them all;
// a monitor that goes away without --reconnect turns /healthz to 503.
func TestServeJSONAndHealth(t *testing.T) {
	a := answeringVM(t, "vm-a", fakeEvents...)
	gone := fakeVM(t, "vm-gone", fakeEvents[0]) // closes after its event
	s := startServe(t, a.Addr, gone.Addr, "-o", "json", "-e", "STOP", "--schema", "builtin")
	s.waitMetric(t, `qmpwatch_events_total{vm="vm-a",event="BLOCK_JOB_READY"} 1`)
	s.waitMetric(t, `qmpwatch_up{vm="vm-gone"} 0`)
	code, body := s.get(t, "/healthz")
	if code != 503 || !strings.Contains(body, gone.Addr) || !strings.Contains(body, "not retrying") {
		t.Errorf("healthz with a monitor gone for good: %d %q", code, body)
	}
	s.stop(t)
	got := perVM(decodeLines(t, s.stdout.String()))
	if got["vm-a"] != "STOP" || got["vm-gone"] != "STOP" {
		t.Errorf("-o json -e STOP wrote %v", got)
	}
}

// --config gives sources with labels, and flags by name.
func TestServeConfig(t *testing.T) {
	a := answeringVM(t, "vm-a", fakeEvents[0])
	dir := t.TempDir()
	cfg, rec := filepath.Join(dir, "serve.yaml"), filepath.Join(dir, "events.jsonl")
	os.WriteFile(cfg, []byte("sources:\n  - {address: "+a.Addr+", label: web1}\nschema: builtin\nforget-after: 2h\nrecord: "+rec+"\n"), 0o600)
	s := startServe(t, "--config", cfg)
	s.waitMetric(t, `qmpwatch_events_total{vm="web1",event="STOP"} 1`)
	if code, body := s.get(t, "/"); code != 200 || !strings.Contains(body, "/healthz") {
		t.Errorf("index %d %q", code, body)
	}
	if code, _ := s.get(t, "/metrics?x=1"); code != 200 {
		t.Errorf("metrics with a query: %d", code)
	}
	// --record (here from the file) keeps every event, owner-only.
	s.stop(t)
	b, err := os.ReadFile(rec)
	if err != nil || !strings.Contains(string(b), `"event":"STOP"`) || !strings.Contains(string(b), `"vm":"web1"`) {
		t.Errorf("record: %v %q", err, b)
	}
	if fi, err := os.Stat(rec); err != nil {
		t.Error(err)
	} else if fi.Mode().Perm() != 0o600 {
		t.Errorf("record file mode %v", fi.Mode())
	}
}

func TestServeUsage(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("sources:\n  - {label: x}\n"), 0o600)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve"}, "nothing to watch"},
		{[]string{"serve", "x.qmp", "-e", "STOP"}, "give -o json"},
		{[]string{"serve", "x.qmp", "-o", "pretty"}, "want one of json"},
		{[]string{"serve", "x.qmp", "--forget-after", "0s"}, "--forget-after must be positive"},
		{[]string{"serve", "--config", bad}, "sources[0] has no address"},
		{[]string{"serve", "x.qmp", "--metrics-tls-cert", "c.pem"}, "go together"},
		{[]string{"serve", "x.qmp", "--metrics", "127.0.0.1:notaport"}, "metrics:"},
	} {
		streams, _, stderr := testStreams("")
		code := run(context.Background(), c.args, streams)
		if code == 0 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q (want %q)", c.args, code, stderr, c.want)
		}
	}
}
