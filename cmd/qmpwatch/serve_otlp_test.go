package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	collogpb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/protobuf/proto"

	"github.com/qmpwatch/qmpwatch/internal/testkit/otelcoltest"
	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
)

// The end-to-end test of --otlp: a real QEMU is stopped (by a disk
// error, then by hand), resumed, panics and is reset while serve --otlp
// runs; what a real collector wrote to its file equals serve's own -o json
// stream: the names in order, QEMU's timestamps to the microsecond, the VM,
// and the severities of the table. Then the collector is stopped for a few
// seconds while events flow, and started again: nothing is lost.
func TestServeOTLPWithCollectorAndQEMU(t *testing.T) {
	col := otelcoltest.Start(t)
	vm := qemutest.Start(t, qemutest.Options{Name: "vm-otlp", Paused: true, Guest: "ioerror,panic",
		Extra: []string{"-action", "panic=none"}})
	s := startServe(t, vm.Monitor, "--reconnect", "-o", "json", "--otlp", col.URL())
	s.waitMetric(t, `qmpwatch_up{vm="vm-otlp"} 1`)

	vm.MustDo(t, "cont", nil)
	vm.WaitEvent(t, "BLOCK_IO_ERROR", time.Minute)
	vm.WaitEvent(t, "STOP", time.Minute)
	vm.MustDo(t, "cont", nil)
	vm.WaitEvent(t, "GUEST_PANICKED", time.Minute)
	vm.MustDo(t, "stop", nil)
	vm.MustDo(t, "cont", nil)
	vm.MustDo(t, "system_reset", nil)
	vm.WaitEvent(t, "RESET", time.Minute)
	waitOTLP(t, col, s, 8)

	// The collector goes away while events flow, and comes back.
	col.Stop()
	for i := 0; i < 3; i++ {
		vm.MustDo(t, "stop", nil)
		vm.MustDo(t, "cont", nil)
	}
	time.Sleep(3 * time.Second)
	col.Start()
	recs := waitOTLP(t, col, s, 14)

	events := servedEvents(t, s)
	severity := map[string]string{"RESUME": "INFO", "BLOCK_IO_ERROR": "ERROR", "GUEST_PANICKED": "ERROR", "RESET": "INFO"}
	for i, ev := range events {
		r := recs[i]
		want := severity[ev.Event]
		if ev.Event == "STOP" {
			want = "INFO"
			if i > 0 && events[i-1].Event == "BLOCK_IO_ERROR" {
				want = "WARN" // the pause the disk error caused
			}
		}
		ts := ev.Timestamp.Seconds*1e9 + ev.Timestamp.Microseconds*1e3
		if r.EventName != ev.Event || r.Attrs["event.name"] != ev.Event || r.TimeUnixNano != ts ||
			r.Attrs["qemu.vm.name"] != "vm-otlp" || r.SeverityText != want {
			t.Errorf("record %d: %s at %d, vm %v, %s; want %s at %d, vm-otlp, %s",
				i, r.EventName, r.TimeUnixNano, r.Attrs["qemu.vm.name"], r.SeverityText, ev.Event, ts, want)
		}
		if v, _ := r.Attrs["qemu.version"].(string); !versionRE.MatchString(v) {
			t.Errorf("record %d: qemu.version %q, want the greeting's major.minor.micro", i, v)
		}
		if r.Attrs["qemu.monitor.address"] != vm.Monitor {
			t.Errorf("record %d: qemu.monitor.address %v, want %s", i, r.Attrs["qemu.monitor.address"], vm.Monitor)
		}
	}
	s.waitMetric(t, `qmpwatch_events_dropped_total{vm="vm-otlp",sink="otlp"} 0`)
	if code := s.stop(t); code != 0 {
		t.Errorf("serve exit %d: %s", code, s.stderr)
	}
	for _, want := range []string{"otlp: cannot send to " + col.URL(), "otlp: sending to " + col.URL() + " again"} {
		if !strings.Contains(s.stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, s.stderr)
		}
	}
}

var versionRE = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)

type servedEvent struct {
	Event     string `json:"event"`
	Timestamp struct {
		Seconds      int64 `json:"seconds"`
		Microseconds int64 `json:"microseconds"`
	} `json:"timestamp"`
}

// servedEvents parses serve's -o json stdout.
func servedEvents(t *testing.T, s *served) []servedEvent {
	t.Helper()
	var out []servedEvent
	for _, line := range strings.Split(strings.TrimSpace(s.stdout.String()), "\n") {
		var ev servedEvent
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("serve -o json: %v: %q", err, line)
		}
		out = append(out, ev)
	}
	return out
}

// waitOTLP waits until serve has written n events and the collector holds
// as many records, and returns the records.
func waitOTLP(t *testing.T, col *otelcoltest.Collector, s *served, n int) []otelcoltest.Record {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		recs := col.Records(t)
		served := strings.Count(s.stdout.String(), "\n")
		if (served >= n && len(recs) >= served) || time.Now().After(deadline) {
			if served < n || len(recs) != served {
				t.Fatalf("serve wrote %d events (want at least %d), the collector %d records\nstdout:\n%s\nstderr:\n%s",
					served, n, len(recs), s.stdout, s.stderr)
			}
			return recs
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Without -o json, serve --otlp sends the events that -e and -x let
// through, and stdout stays empty; the metrics still count every event.
func TestServeOTLPWithoutJSON(t *testing.T) {
	var mu sync.Mutex
	var names []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req collogpb.ExportLogsServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			t.Errorf("not OTLP protobuf: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, rl := range req.ResourceLogs {
			for _, sl := range rl.ScopeLogs {
				for _, lr := range sl.LogRecords {
					names = append(names, lr.EventName)
				}
			}
		}
	}))
	defer srv.Close()
	a := answeringVM(t, "vm-a", fakeEvents...)
	s := startServe(t, a.Addr, "--schema", "builtin", "--otlp", srv.URL, "-x", "SPICE_*")
	s.waitMetric(t, `qmpwatch_events_total{vm="vm-a",event="SPICE_INITIALIZED"} 1`)
	if code := s.stop(t); code != 0 { // the queue is flushed before serve ends
		t.Errorf("exit %d after interrupt: %s", code, s.stderr)
	}
	var want []string
	for _, line := range fakeEvents {
		var ev servedEvent
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(ev.Event, "SPICE_") {
			want = append(want, ev.Event)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("sent %v, want %v", names, want)
	}
	if out := s.stdout.String(); out != "" {
		t.Errorf("stdout without -o json: %q", out)
	}
}
