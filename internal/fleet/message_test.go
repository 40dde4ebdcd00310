package fleet

import (
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

func event(t testing.TB, raw, vm string) *decode.Event {
	t.Helper()
	m, err := decode.ScanMessage([]byte(raw))
	if err != nil || m.Kind != decode.MsgEvent {
		t.Fatalf("scan %s: %v", raw, err)
	}
	return decode.NewEvent(&m, vm)
}

func TestMessageIsTheJSONLinePlusHost(t *testing.T) {
	ev := event(t, `{"timestamp": {"seconds": 1700000000, "microseconds": 5}, "event": "BLOCK_JOB_READY", "data": {"len": 18446744073709551615, "device": "job.1"}}`, "vm.1")
	m := NewMsg(ev, "db 1", "7.2.0", 3)
	want := `{"timestamp":{"seconds":1700000000,"microseconds":5},"event":"BLOCK_JOB_READY","data":{"len":18446744073709551615,"device":"job.1"},"vm":"vm.1","host":"db 1"}`
	if string(m.Data) != want {
		t.Errorf("body\n got %s\nwant %s", m.Data, want)
	}
	if m.Subject != "qmp.db%201.vm%2E1.BLOCK_JOB_READY" {
		t.Errorf("subject %s", m.Subject)
	}
	if got := m.Header.Get(nats.MsgIdHdr); got != "db%201.vm%2E1.1700000000.5.3" {
		t.Errorf("msg id %s", got)
	}
	if m.Header.Get(HeaderQEMU) != "7.2.0" || m.Header.Get(HeaderHost) != "db 1" {
		t.Errorf("headers %v", m.Header)
	}
	// A reader scans it back to the same event.
	back, err := decode.ScanMessage(m.Data)
	if err != nil || back.Event != "BLOCK_JOB_READY" || back.VM != "vm.1" || string(back.Data) != `{"len":18446744073709551615,"device":"job.1"}` {
		t.Errorf("scan back: %+v %v", back, err)
	}
}

func TestMessageWithoutData(t *testing.T) {
	ev := event(t, `{"event": "STOP", "timestamp": {"seconds": 1, "microseconds": 2}}`, "vm1")
	if got := string(Body(nil, ev, "h")); got != `{"event":"STOP","timestamp":{"seconds":1,"microseconds":2},"vm":"vm1","host":"h"}` {
		t.Errorf("body %s", got)
	}
}
