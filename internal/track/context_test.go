package track

import (
	"testing"
	"time"
)

// Causes.Observe fills each event's Context from the VM's earlier events.
func TestContext(t *testing.T) {
	c := NewCausesForTest(t)
	vnc := `{"server": {"host": "127.0.0.1", "service": "5900", "family": "ipv4", "websocket": false}, "client": {"host": "10.0.0.9", "service": "4242", "family": "ipv4", "websocket": false}}`
	spice := `{"server": {"host": "127.0.0.1", "port": "5930", "family": "ipv4"}, "client": {"host": "10.0.0.9", "port": "5151", "family": "ipv4"}}`
	spiceInit := `{"server": {"host": "127.0.0.1", "port": "5930", "family": "ipv4"}, "client": {"host": "10.0.0.9", "port": "5151", "family": "ipv4", "connection-id": 1, "channel-type": 2, "channel-id": 0, "tls": false}}`
	job := `{"type": "mirror", "device": "j1", "len": 10, "offset": 10, "speed": 0}`
	steps := []struct {
		vm      string
		sec     int64
		name    string
		data    string
		lasted  time.Duration
		channel int64
		exited  bool
	}{
		{"a", 100, "JOB_STATUS_CHANGE", `{"id": "j1", "status": "created"}`, 0, 0, false},
		{"a", 101, "VNC_CONNECTED", vnc, 0, 0, false},
		{"a", 102, "SPICE_CONNECTED", spice, 0, 0, false},
		{"a", 102, "SPICE_INITIALIZED", spiceInit, 0, 0, false},
		{"b", 150, "BLOCK_JOB_COMPLETED", job, 0, 0, false}, // another VM's job of the same id
		{"a", 190, "BLOCK_JOB_COMPLETED", job, 90 * time.Second, 0, false},
		{"a", 191, "BLOCK_JOB_COMPLETED", job, 0, 0, false}, // the start was used up
		{"a", 161, "VNC_DISCONNECTED", vnc, time.Minute, 0, false},
		{"a", 402, "SPICE_DISCONNECTED", spice, 5 * time.Minute, 2, false},
		{"a", 403, "QMPWATCH_DISCONNECTED", `{"reason": "x"}`, 0, 0, false},
		{"a", 404, "SHUTDOWN", `{"guest": true, "reason": "guest-shutdown"}`, 0, 0, false},
		{"a", 405, "QMPWATCH_DISCONNECTED", `{"reason": "QEMU closed the connection"}`, 0, 0, true},
		{"b", 405, "QMPWATCH_DISCONNECTED", `{"reason": "QEMU closed the connection"}`, 0, 0, false},
	}
	for i, s := range steps {
		e := at(t, s.vm, s.sec, 0, s.name, s.data)
		c.Observe(e)
		if e.Context.Lasted != s.lasted || e.Context.Channel != s.channel || e.Context.Exited != s.exited {
			t.Errorf("step %d %s: context %+v, want lasted %v channel %d exited %v", i, s.name, e.Context, s.lasted, s.channel, s.exited)
		}
	}
}

func TestContextIsBounded(t *testing.T) {
	c := NewCausesForTest(t)
	for i := 0; i < 4*maxStarts; i++ {
		c.Observe(at(t, "a", int64(i), 0, "JOB_STATUS_CHANGE", `{"id": "j`+string(rune('a'+i%26))+string(rune('a'+i/26%26))+string(rune('a'+i/676))+`", "status": "created"}`))
	}
	if n := len(c.vms["a"].ctx.starts); n > maxStarts {
		t.Errorf("%d starts kept, want at most %d", n, maxStarts)
	}
}
