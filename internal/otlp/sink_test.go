package otlp

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	collogpb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/protobuf/proto"
)

func stop(t *testing.T, i int) string {
	return fmt.Sprintf(`{"event": "STOP", "timestamp": {"seconds": 1700000000, "microseconds": %d}}`, i)
}

// The collector answers 503 twice, then 200: the batch arrives once,
// whole, and nothing is said or dropped.
func TestRetryOn503(t *testing.T) {
	var calls atomic.Int32
	var got atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if calls.Add(1) <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var req collogpb.ExportLogsServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			t.Errorf("not OTLP protobuf: %v", err)
		}
		for _, rl := range req.ResourceLogs {
			for _, sl := range rl.ScopeLogs {
				got.Add(int32(len(sl.LogRecords)))
			}
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	var notes bytes.Buffer // read after Close, when the sink has stopped writing
	s, err := New(Options{URL: srv.URL, Notes: &notes})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		s.Deliver(event(t, "vm1", stop(t, i)))
	}
	s.Close(time.Minute)
	if got.Load() != 3 || calls.Load() != 3 {
		t.Errorf("%d records in %d requests, want 3 in 3 (two 503s, then 200)", got.Load(), calls.Load())
	}
	if d := s.DroppedByVM()["vm1"]; d != 0 {
		t.Errorf("%d dropped", d)
	}
}

// A collector that refuses the request for good (400): the batch is given
// up, said and counted, and the sender goes on.
func TestPermanentRefusal(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad\x1b[31m", http.StatusBadRequest)
	}))
	defer srv.Close()
	var notes bytes.Buffer // read after Close, when the sink has stopped writing
	s, err := New(Options{URL: srv.URL, Notes: &notes})
	if err != nil {
		t.Fatal(err)
	}
	s.Deliver(event(t, "vm1", stop(t, 0)))
	s.Close(time.Minute)
	if d := s.DroppedByVM()["vm1"]; d != 1 {
		t.Errorf("%d dropped, want 1", d)
	}
	if n := notes.String(); !strings.Contains(n, "1 events not accepted by") || strings.Contains(n, "\x1b") {
		t.Errorf("notes: %q", n)
	}
}

// With no collector at all, the queue holds its bound; the overflow is
// dropped, counted per VM and said; Close's deadline gives up the rest,
// and says so. Deliver never waits.
func TestOverflow(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	l.Close()              // nothing listens: connection refused
	var notes bytes.Buffer // read after Close, when the sink has stopped writing
	s, err := New(Options{URL: url, Queue: 3, Notes: &notes})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		s.Deliver(event(t, "vm1", stop(t, i)))
	}
	s.Deliver(event(t, "vm2", stop(t, 10)))
	if d := s.DroppedByVM(); d["vm1"] != 7 || d["vm2"] != 1 {
		t.Errorf("dropped %v, want vm1 7 and vm2 1", d)
	}
	s.Close(300 * time.Millisecond)
	if d := s.DroppedByVM(); d["vm1"] != 10 || d["vm2"] != 1 {
		t.Errorf("dropped after close %v, want vm1 10 and vm2 1", d)
	}
	n := notes.String()
	for _, want := range []string{"cannot send to " + url, "8 events dropped: the queue of 3 events", "3 events not sent to " + url} {
		if !strings.Contains(n, want) {
			t.Errorf("notes lack %q:\n%s", want, n)
		}
	}
}

// --otlp takes a collector's base URL (OTLP's /v1/logs is added) or a full
// one; anything else is refused before anything is opened.
func TestCheckURL(t *testing.T) {
	cases := []struct{ in, want string }{
		{"http://collector:4318", "http://collector:4318/v1/logs"},
		{"https://collector:4318/", "https://collector:4318/v1/logs"},
		{"http://127.0.0.1:4318/custom/logs", "http://127.0.0.1:4318/custom/logs"},
		{"collector:4318", ""},
		{"grpc://collector:4317", ""},
		{"http://", ""},
	}
	for _, c := range cases {
		got, err := CheckURL(c.in)
		if (err != nil) != (c.want == "") || got != c.want {
			t.Errorf("CheckURL(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}
