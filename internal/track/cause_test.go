package track

import (
	"fmt"
	"testing"
)

func TestCauses(t *testing.T) {
	ioStop := `{"device": "ide0-hd1", "node-name": "#block1", "operation": "write", "action": "stop", "reason": "Input/output error"}`
	type in struct {
		vm         string
		sec, usec  int64
		name, data string
		wantCause  string
	}
	cases := []struct {
		name string
		evs  []in
	}{
		{"io error stops the VM", []in{
			{"a", 1, 0, "BLOCK_IO_ERROR", ioStop, ""},
			{"a", 1, 50, "STOP", "", "write error on ide0-hd1"},
			{"a", 2, 0, "STOP", "", ""}, // consumed: a second STOP is not explained
		}},
		{"io error reported to the guest has no follow-up", []in{
			{"a", 1, 0, "BLOCK_IO_ERROR", `{"device": "d", "operation": "read", "action": "report", "reason": "x"}`, ""},
			{"a", 1, 10, "STOP", "", ""},
		}},
		{"node name when the device is empty", []in{
			{"a", 1, 0, "BLOCK_IO_ERROR", `{"device": "", "node-name": "disk2", "operation": "read", "action": "stop", "reason": "x"}`, ""},
			{"a", 1, 10, "STOP", "", "read error on disk2"},
		}},
		{"watchdog resets", []in{
			{"a", 5, 0, "WATCHDOG", `{"action": "reset"}`, ""},
			{"a", 5, 10, "RESET", `{"guest": false, "reason": "watchdog"}`, "watchdog expiry"},
		}},
		{"watchdog shuts down", []in{
			{"a", 5, 0, "WATCHDOG", `{"action": "shutdown"}`, ""},
			{"a", 5, 10, "SHUTDOWN", `{"guest": false, "reason": "watchdog"}`, "watchdog expiry"},
		}},
		{"shutdown under -no-shutdown stops", []in{
			{"a", 9, 0, "SHUTDOWN", `{"guest": true, "reason": "guest-shutdown"}`, ""},
			{"a", 9, 1, "STOP", "", "guest-shutdown under -no-shutdown"},
		}},
		{"other VMs do not consume a cause", []in{
			{"a", 1, 0, "BLOCK_IO_ERROR", ioStop, ""},
			{"b", 1, 1, "STOP", "", ""},
			{"a", 1, 2, "STOP", "", "write error on ide0-hd1"},
		}},
		{"expires after the time window", []in{
			{"a", 1, 0, "BLOCK_IO_ERROR", ioStop, ""},
			{"a", 1 + int64(CauseWindow.Seconds()) + 1, 0, "STOP", "", ""},
		}},
		{"a migration's switchover stops the VM", []in{
			{"a", 1, 0, "MIGRATION", `{"status": "setup"}`, ""},
			{"a", 1, 1, "MIGRATION", `{"status": "active"}`, ""},
			{"a", 90, 0, "STOP", "", "migration switchover"},
			{"a", 90, 1, "MIGRATION", `{"status": "device"}`, ""},
			{"a", 91, 0, "MIGRATION", `{"status": "completed"}`, ""},
			{"a", 95, 0, "STOP", "", ""}, // after the migration: not its doing
		}},
		{"a documented cause wins over a migration", []in{
			{"a", 1, 1, "MIGRATION", `{"status": "active"}`, ""},
			{"a", 2, 0, "BLOCK_IO_ERROR", ioStop, ""},
			{"a", 2, 1, "STOP", "", "write error on ide0-hd1"},
		}},
		{"no timestamps: the event count still bounds it", []in{
			{"a", -1, -1, "WATCHDOG", `{"action": "pause"}`, ""},
			{"a", -1, -1, "STOP", "", "watchdog expiry"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCausesForTest(t)
			for i, x := range tc.evs {
				e := at(t, x.vm, x.sec, x.usec, x.name, x.data)
				by := c.Observe(e)
				if e.Cause != x.wantCause {
					t.Errorf("event %d %s: cause %q, want %q", i, x.name, e.Cause, x.wantCause)
				}
				if (by == "") != (x.wantCause == "") {
					t.Errorf("event %d %s: caused by %q", i, x.name, by)
				}
			}
		})
	}
}

func TestCauseExpiresAfterEvents(t *testing.T) {
	c := NewCausesForTest(t)
	c.Observe(at(t, "a", 1, 0, "WATCHDOG", `{"action": "pause"}`))
	for i := 0; i < CauseEvents; i++ {
		c.Observe(at(t, "a", 1, int64(i+1), "RTC_CHANGE", `{"offset": 1, "qom-path": "/x"}`))
	}
	e := at(t, "a", 1, 100, "STOP", "")
	if c.Observe(e); e.Cause != "" {
		t.Errorf("a STOP %d events later was blamed on %q", CauseEvents+1, e.Cause)
	}
}

func TestCausesAreBounded(t *testing.T) {
	c := NewCausesForTest(t)
	for i := 0; i < 10*maxPending; i++ {
		c.Observe(at(t, "a", 1, int64(i), "WATCHDOG", fmt.Sprintf(`{"action": %q}`, []string{"reset", "pause", "shutdown"}[i%3])))
	}
	if n := len(c.vms["a"].pending); n > maxPending {
		t.Errorf("%d pending causes, want at most %d", n, maxPending)
	}
	c.Forget("a")
	if len(c.vms) != 0 {
		t.Errorf("Forget kept %d VMs", len(c.vms))
	}
}
