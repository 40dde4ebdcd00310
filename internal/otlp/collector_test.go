package otlp

import (
	"bytes"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/testkit/otelcoltest"
)

// Against a real collector: what it wrote to its file equals what was
// sent, resource included (OTEL_RESOURCE_ATTRIBUTES honoured). Then the
// collector is stopped while events flow, and started again: nothing lost,
// the order kept.
func TestRealCollector(t *testing.T) {
	col := otelcoltest.Start(t)
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=test")
	var notes bytes.Buffer // read after Close, when the sink has stopped writing
	s, err := New(Options{URL: col.URL(), Version: "1.2.3", Host: "host1", Notes: &notes})
	if err != nil {
		t.Fatal(err)
	}
	ev := event(t, "vm1", `{"event": "BLOCK_IO_ERROR", "data": {"device": "ide0-hd1", "operation": "write", "action": "stop", "nospace": true, "sectors": 18446744073709551615}, "timestamp": {"seconds": 1700000000, "microseconds": 123456}}`)
	s.Deliver(ev)
	recs := waitRecords(t, col, 1)
	r := recs[0]
	if r.EventName != "BLOCK_IO_ERROR" || r.TimeUnixNano != 1700000000123456000 || r.SeverityNumber != 17 || r.SeverityText != "ERROR" {
		t.Errorf("record %+v", r)
	}
	for k, want := range map[string]any{"event.name": "BLOCK_IO_ERROR", "qemu.vm.name": "vm1", "qemu.event.data.device": "ide0-hd1",
		"qemu.event.data.nospace": true, "qemu.event.data.sectors": "18446744073709551615"} {
		if r.Attrs[k] != want {
			t.Errorf("%s = %#v, want %#v", k, r.Attrs[k], want)
		}
	}
	for k, want := range map[string]any{"service.name": "qmpwatch", "service.version": "1.2.3", "host.name": "host1", "deployment.environment.name": "test"} {
		if r.Resource[k] != want {
			t.Errorf("resource %s = %#v, want %#v", k, r.Resource[k], want)
		}
	}

	col.Stop()
	for i := 0; i < 20; i++ {
		s.Deliver(event(t, "vm1", stop(t, i)))
	}
	time.Sleep(2 * time.Second) // the sender meets the closed port and backs off
	col.Start()
	s.Close(30 * time.Second)
	recs = waitRecords(t, col, 21)
	for i, r := range recs[1:] {
		if r.EventName != "STOP" || r.TimeUnixNano != 1700000000000000000+int64(i)*1000 {
			t.Fatalf("record %d after the restart: %s at %d", i, r.EventName, r.TimeUnixNano)
		}
	}
	if d := s.DroppedByVM()["vm1"]; d != 0 {
		t.Errorf("%d dropped", d)
	}
	t.Logf("notes:\n%s", notes.String())
}

// waitRecords waits for the collector's file to hold n records (it flushes
// every 100 ms) and returns them.
func waitRecords(t *testing.T, col *otelcoltest.Collector, n int) []otelcoltest.Record {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		recs := col.Records(t)
		if len(recs) >= n || time.Now().After(deadline) {
			if len(recs) != n {
				t.Fatalf("the collector wrote %d records, want %d\n%s", len(recs), n, col.Log())
			}
			return recs
		}
		time.Sleep(100 * time.Millisecond)
	}
}
