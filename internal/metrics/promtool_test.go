package metrics

import (
	"bytes"
	"strings"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// promtool check metrics lints a real scrape: every recording fed to one
// collector, so that every metric family is present.
func TestPromtoolCheckMetrics(t *testing.T) {
	c := New(Options{})
	files := []string{"guest.qmp", "blockjobs.qmp", "spice.qmp", "vnc.qmp", "lifecycle.qmp", "demo.qmp"}
	for _, f := range files {
		vm := strings.TrimSuffix(f, ".qmp")
		r := load(t, f, vm)
		connect(c, vm, r.state, source.Connected)
		feed(c, r.events...)
	}
	bad := event(t, "guest", "WATCHDOG", `{"action": 7}`)
	bad.Check.Problems = []decode.Problem{{Path: "data.action", Msg: "want enum, got number 7"}}
	feed(c, bad)
	c.Dropped("guest", "exec", 2)
	c.Ran("guest", KindExec, "--exec", "ok")
	c.Ran("guest", KindWebhook, "hook", "failed")
	scrape := scrape(c)
	for _, family := range []string{"qmpwatch_up", "qmpwatch_reconnects_total", "qmpwatch_last_event_timestamp_seconds",
		"qmpwatch_events_total", "qmpwatch_vm_running", "qmpwatch_vm_status", "qmpwatch_shutdowns_total",
		"qmpwatch_resets_total", "qmpwatch_guest_panics_total", "qmpwatch_watchdog_total", "qmpwatch_block_io_errors_total",
		"qmpwatch_block_job_duration_seconds", "qmpwatch_block_jobs_running", "qmpwatch_display_sessions",
		"qmpwatch_events_dropped_total", "qmpwatch_schema_violations_total", "qmpwatch_exec_total", "qmpwatch_webhook_total"} {
		if !bytes.Contains(scrape, []byte("# TYPE "+family+" ")) {
			t.Errorf("the scrape lacks %s", family)
		}
	}
	promtoolCheck(t, scrape)
}
