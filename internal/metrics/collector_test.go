package metrics

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

type labels = map[string]string

// guest.qmp: a real QEMU started paused, then a watchdog pause, a full
// disk, a panic (action run), resets and an ACPI power-off.
func TestGuestRecording(t *testing.T) {
	c := New(Options{})
	r := load(t, "guest.qmp", "vm-guest")
	if r.state.Status != "prelaunch" {
		t.Fatalf("recording's query-status: %q", r.state.Status)
	}
	connect(c, "vm-guest", r.state, source.Connected)
	vm := labels{"vm": "vm-guest"}
	if v := value(t, c, "qmpwatch_vm_running", vm); v != 0 {
		t.Errorf("vm_running at connect (prelaunch) = %v", v)
	}
	// The run state after each event, as query-status would say it.
	want := map[int]string{0: "running", 3: "watchdog", 4: "running", 6: "io-error", 7: "running", 12: "shutdown"}
	for i, ev := range r.events {
		feed(c, ev)
		if st, ok := want[i]; ok {
			got := series(t, c, "qmpwatch_vm_status", vm)
			if len(got) != 1 || len(series(t, c, "qmpwatch_vm_status", labels{"vm": "vm-guest", "status": st})) != 1 || got[0].Gauge.GetValue() != 1 {
				t.Errorf("after event %d (%s): vm_status = %v, want only %s", i, ev.Name, got, st)
			}
			running := 0.0
			if st == "running" {
				running = 1
			}
			if v := value(t, c, "qmpwatch_vm_running", vm); v != running {
				t.Errorf("after event %d (%s): vm_running = %v", i, ev.Name, v)
			}
		}
	}
	// events_total counts every event by name, as the recording holds them.
	byName := map[string]float64{}
	for _, ev := range r.events {
		byName[ev.Name]++
	}
	for name, n := range byName {
		if v := value(t, c, "qmpwatch_events_total", labels{"vm": "vm-guest", "event": name}); v != n {
			t.Errorf("events_total{event=%q} = %v, want %v", name, v, n)
		}
	}
	if n := len(series(t, c, "qmpwatch_events_total", vm)); n != len(byName) {
		t.Errorf("%d events_total series, want %d", n, len(byName))
	}
	for _, x := range []struct {
		family string
		labels labels
		want   float64
	}{
		{"qmpwatch_shutdowns_total", labels{"reason": "guest-shutdown"}, 1},
		{"qmpwatch_resets_total", labels{"reason": "guest-reset"}, 3},
		{"qmpwatch_guest_panics_total", labels{"action": "run"}, 1},
		{"qmpwatch_watchdog_total", labels{"action": "pause"}, 1},
		{"qmpwatch_block_io_errors_total", labels{"device": "iodisk", "operation": "write", "action": "stop", "nospace": "true"}, 1},
		{"qmpwatch_events_dropped_total", labels{"sink": "metrics"}, 0},
		{"qmpwatch_up", nil, 1},
		{"qmpwatch_reconnects_total", nil, 0},
		{"qmpwatch_last_event_timestamp_seconds", nil, float64(r.events[len(r.events)-1].Seconds) + float64(r.events[len(r.events)-1].Micros)/1e6},
	} {
		l := labels{"vm": "vm-guest"}
		for k, v := range x.labels {
			l[k] = v
		}
		if v := value(t, c, x.family, l); v != x.want {
			t.Errorf("%s%v = %v, want %v", x.family, x.labels, v, x.want)
		}
	}
	if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
	// The same counters as client_golang's testutil reads the exposition.
	help := func(i int) string {
		return "# HELP " + c.fams[i].name + " " + c.fams[i].help + "\n# TYPE " + c.fams[i].name + " " + c.fams[i].typ + "\n"
	}
	expected := help(fShutdowns) + `qmpwatch_shutdowns_total{reason="guest-shutdown",vm="vm-guest"} 1
` + help(fResets) + `qmpwatch_resets_total{reason="guest-reset",vm="vm-guest"} 3
` + help(fPanics) + `qmpwatch_guest_panics_total{action="run",vm="vm-guest"} 1
` + help(fWatchdog) + `qmpwatch_watchdog_total{action="pause",vm="vm-guest"} 1
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(expected), "qmpwatch_shutdowns_total", "qmpwatch_resets_total",
		"qmpwatch_guest_panics_total", "qmpwatch_watchdog_total"); err != nil {
		t.Error(err)
	}
}

// blockjobs.qmp: job1 completed, job2 and job3 cancelled, all mirrors.
func TestBlockJobs(t *testing.T) {
	c := New(Options{})
	r := load(t, "blockjobs.qmp", "vm1")
	connect(c, "vm1", r.state, source.Connected)
	jobs := track.NewJobs() // the expected durations, from the tracker directly
	want := map[string]struct {
		n   uint64
		sum float64
	}{}
	maxRunning := 0.0
	for _, ev := range r.events {
		feed(c, ev)
		maxRunning = max(maxRunning, value(t, c, "qmpwatch_block_jobs_running", labels{"vm": "vm1"}))
		cp := *ev
		if j, ch := jobs.Observe(&cp); ch == track.Ended {
			w := want[j.Result]
			w.n++
			w.sum += j.End.Sub(j.Start).Seconds()
			want[j.Result] = w
		}
	}
	if want["completed"].n != 1 || want["cancelled"].n != 2 {
		t.Fatalf("the recording changed: %v", want)
	}
	for result, w := range want {
		ms := series(t, c, "qmpwatch_block_job_duration_seconds", labels{"vm": "vm1", "type": "mirror", "result": result})
		if len(ms) != 1 {
			t.Fatalf("histogram %s: %d series", result, len(ms))
		}
		h := ms[0].GetHistogram()
		if h.GetSampleCount() != w.n || h.GetSampleSum() != w.sum {
			t.Errorf("histogram %s: count %d sum %v, want %d %v", result, h.GetSampleCount(), h.GetSampleSum(), w.n, w.sum)
		}
		// Every job here took well under a second: all in the first bucket.
		if b := h.GetBucket()[0]; b.GetUpperBound() != 1 || b.GetCumulativeCount() != w.n {
			t.Errorf("histogram %s: first bucket %v", result, b)
		}
	}
	if maxRunning != 1 {
		t.Errorf("block_jobs_running peaked at %v, want 1 (the jobs ran one after another)", maxRunning)
	}
	if v := value(t, c, "qmpwatch_block_jobs_running", labels{"vm": "vm1"}); v != 0 {
		t.Errorf("block_jobs_running at the end = %v", v)
	}
}

// Sessions open and close with the recorded VNC and SPICE clients.
func TestDisplaySessions(t *testing.T) {
	for _, x := range []struct{ file, protocol string }{{"vnc.qmp", "vnc"}, {"spice.qmp", "spice"}, {"spice2.qmp", "spice"}} {
		t.Run(x.file, func(t *testing.T) {
			c := New(Options{})
			r := load(t, x.file, "vm1")
			connect(c, "vm1", r.state, source.Connected)
			peak := 0.0
			for _, ev := range r.events {
				feed(c, ev)
				peak = max(peak, value(t, c, "qmpwatch_display_sessions", labels{"vm": "vm1", "protocol": x.protocol}))
			}
			// The session count from the tracker itself.
			want := 0
			s := track.NewSessions()
			for _, ev := range r.events {
				cp := *ev
				s.Observe(&cp)
				want = max(want, len(s.Open()))
			}
			if want == 0 || peak != float64(want) {
				t.Errorf("peak display_sessions = %v, want %d", peak, want)
			}
			if v := value(t, c, "qmpwatch_display_sessions", labels{"vm": "vm1", "protocol": x.protocol}); v != 0 {
				t.Errorf("display_sessions at the end = %v", v)
			}
		})
	}
}

// A VM that goes away and comes back keeps its counters, counts the
// reconnect, and loses the state series while it is away.
func TestReconnect(t *testing.T) {
	c := New(Options{})
	r := load(t, "lifecycle.qmp", "vm-alpha")
	connect(c, "vm-alpha", r.state, source.Connected)
	feed(c, r.events[:2]...) // STOP, RESUME
	vm := labels{"vm": "vm-alpha"}
	c.Status(source.Status{Kind: source.Disconnected, VM: "vm-alpha", Retrying: true, At: time.Now()})
	if v := value(t, c, "qmpwatch_up", vm); v != 0 {
		t.Errorf("up after disconnect = %v", v)
	}
	for _, f := range []string{"qmpwatch_vm_running", "qmpwatch_vm_status", "qmpwatch_display_sessions", "qmpwatch_block_jobs_running"} {
		if n := len(series(t, c, f, vm)); n != 0 {
			t.Errorf("%s while disconnected: %d series", f, n)
		}
	}
	if v := value(t, c, "qmpwatch_events_total", labels{"vm": "vm-alpha", "event": "STOP"}); v != 1 {
		t.Errorf("STOP count lost on disconnect: %v", v)
	}
	connect(c, "vm-alpha", track.RunState{Status: "running"}, source.Reconnected)
	feed(c, r.events[2:]...)
	if v := value(t, c, "qmpwatch_reconnects_total", vm); v != 1 {
		t.Errorf("reconnects = %v", v)
	}
	if v := value(t, c, "qmpwatch_up", vm); v != 1 {
		t.Errorf("up after reconnect = %v", v)
	}
	if v := value(t, c, "qmpwatch_events_total", labels{"vm": "vm-alpha", "event": "STOP"}); v != 1 {
		t.Errorf("STOP after reconnect = %v", v)
	}
	if v := value(t, c, "qmpwatch_resets_total", labels{"vm": "vm-alpha", "reason": "host-qmp-system-reset"}); v != 1 {
		t.Errorf("resets = %v", v)
	}
	// A folder watch sees the VM's socket again as a new Connected.
	c.Status(source.Status{Kind: source.Disconnected, VM: "vm-alpha", At: time.Now()})
	connect(c, "vm-alpha", track.RunState{Status: "running"}, source.Connected)
	if v := value(t, c, "qmpwatch_reconnects_total", vm); v != 2 {
		t.Errorf("reconnects after a second, folder-style return = %v", v)
	}
}

// A VM gone for --forget-after loses every series; one still there keeps
// them.
func TestForget(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	c := New(Options{Now: clk.now, ForgetAfter: time.Hour})
	for _, vm := range []string{"gone", "stays"} {
		r := load(t, "lifecycle.qmp", vm)
		connect(c, vm, r.state, source.Connected)
		feed(c, r.events...)
	}
	c.Status(source.Status{Kind: source.Disconnected, VM: "gone", At: clk.t})
	count := func(vm string) int { return len(series(t, c, "qmpwatch_events_total", labels{"vm": vm})) }
	clk.advance(59 * time.Minute)
	if count("gone") == 0 {
		t.Fatal("forgotten before --forget-after")
	}
	clk.advance(time.Minute)
	if n := count("gone"); n != 0 {
		t.Errorf("%d series of a VM gone for an hour", n)
	}
	if n := testutil.CollectAndCount(c); n == 0 || count("stays") == 0 {
		t.Errorf("the connected VM lost its series (%d left)", n)
	}
	for _, m := range series(t, c, "qmpwatch_up", nil) {
		if m.GetLabel()[0].GetName() != "vm" || m.GetLabel()[0].GetValue() == "gone" {
			t.Error("qmpwatch_up of the forgotten VM")
		}
	}
	// It comes back later: a fresh start, not a reconnect.
	connect(c, "gone", track.RunState{Status: "running"}, source.Connected)
	if v := value(t, c, "qmpwatch_reconnects_total", labels{"vm": "gone"}); v != 0 {
		t.Errorf("reconnects of a VM seen anew = %v", v)
	}
}

// Label values from the wire are bounded per VM.
func TestBoundedLabels(t *testing.T) {
	c := New(Options{})
	for i := range 2 * maxEventNames {
		feed(c, event(t, "vm1", fmt.Sprintf("MADE_UP_%d", i), ""))
	}
	for i := range 2 * maxLabelSet {
		feed(c, event(t, "vm1", "SHUTDOWN", fmt.Sprintf(`{"guest": false, "reason": "r%d"}`, i)))
	}
	if n := len(series(t, c, "qmpwatch_events_total", labels{"vm": "vm1"})); n > maxEventNames+1 {
		t.Errorf("%d event series", n)
	}
	if n := len(series(t, c, "qmpwatch_shutdowns_total", labels{"vm": "vm1"})); n > maxLabelSet+1 {
		t.Errorf("%d reason series", n)
	}
	total := 0.0
	for _, m := range series(t, c, "qmpwatch_events_total", labels{"vm": "vm1"}) {
		total += m.Counter.GetValue()
	}
	if total != float64(2*maxEventNames+2*maxLabelSet) {
		t.Errorf("events counted %v, want every one", total)
	}
	// Invalid UTF-8 from the wire must not break the exposition.
	feed(c, event(t, "vm\xff", "STOP", ""))
	if _, err := testutil.CollectAndLint(c); err != nil {
		t.Errorf("collect: %v", err)
	}
}

// An event that reached qmpwatch but was not counted shows as dropped.
func TestDropped(t *testing.T) {
	c := New(Options{})
	c.Observe(event(t, "vm1", "STOP", ""))
	c.Uncounted(event(t, "vm1", "RESUME", ""))
	if v := value(t, c, "qmpwatch_events_dropped_total", labels{"vm": "vm1", "sink": "metrics"}); v != 1 {
		t.Errorf("dropped = %v, want 1", v)
	}
}

// The help text names the rate-limited events.
func TestRateLimitedHelp(t *testing.T) {
	var limited []string
	for _, e := range decode.Builtin().Events() {
		if e.RateLimited {
			limited = append(limited, e.Name)
		}
	}
	if len(limited) == 0 {
		t.Fatal("the catalog marks no event rate-limited")
	}
	help := eventsHelp(decode.Builtin())
	for _, name := range limited {
		if !strings.Contains(help, name) {
			t.Errorf("help does not name %s: %s", name, help)
		}
	}
}

func event(t *testing.T, vm, name, data string) *decode.Event {
	t.Helper()
	line := fmt.Sprintf(`{"timestamp": {"seconds": 1700000000, "microseconds": 5}, "event": %q}`, name)
	if data != "" {
		line = fmt.Sprintf(`{"timestamp": {"seconds": 1700000000, "microseconds": 5}, "event": %q, "data": %s}`, name, data)
	}
	m, err := decode.ScanMessage([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	return decode.NewEvent(&m, vm)
}

// Many VMs counted at once, with scrapes, status changes and forgetting
// going on: the race detector checks the locking, the totals that nothing
// is lost.
func TestConcurrent(t *testing.T) {
	clk := struct {
		sync.Mutex
		t time.Time
	}{t: time.Unix(1700000000, 0)}
	now := func() time.Time { clk.Lock(); defer clk.Unlock(); return clk.t }
	c := New(Options{Now: now, ForgetAfter: time.Minute})
	r := load(t, "demo.qmp", "x")
	const vms, rounds = 8, 20
	var wg sync.WaitGroup
	for i := range vms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			vm := fmt.Sprintf("vm%d", i)
			connect(c, vm, r.state, source.Connected)
			for range rounds {
				for _, ev := range r.events {
					cp := *ev
					cp.VM = vm
					c.Observe(&cp)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 20 {
			c.AppendText(nil)
			c.Status(source.Status{Kind: source.Disconnected, VM: "passing"})
			clk.Lock()
			clk.t = clk.t.Add(time.Minute)
			clk.Unlock()
		}
	}()
	wg.Wait()
	for i := range vms {
		total := 0.0
		for _, m := range series(t, c, "qmpwatch_events_total", labels{"vm": fmt.Sprintf("vm%d", i)}) {
			total += m.Counter.GetValue()
		}
		if total != float64(rounds*len(r.events)) {
			t.Errorf("vm%d: %v events counted, want %d", i, total, rounds*len(r.events))
		}
	}
	if n := len(series(t, c, "qmpwatch_up", labels{"vm": "passing"})); n != 0 {
		t.Errorf("the passing VM was not forgotten")
	}
}

// Events a sink lost after they were counted (the fleet publisher's or the
// OTLP queue's overflow) still show in qmpwatch_events_dropped_total, one
// series per sink, in both expositions: client_golang's and the text one
// serve writes.
func TestLostBySink(t *testing.T) {
	lost := map[string]uint64{"vm1": 2}
	otlp := map[string]uint64{"vm2": 5}
	c := New(Options{Lost: map[string]func() map[string]uint64{
		"nats": func() map[string]uint64 { return lost },
		"otlp": func() map[string]uint64 { return otlp },
	}})
	for i := 0; i < 3; i++ {
		c.Observe(event(t, "vm1", "STOP", ""))
	}
	c.Observe(event(t, "vm2", "STOP", ""))
	for _, x := range []struct {
		vm, sink string
		want     float64
	}{{"vm1", "nats", 2}, {"vm1", "otlp", 0}, {"vm1", "metrics", 0}, {"vm2", "nats", 0}, {"vm2", "otlp", 5}} {
		if v := value(t, c, "qmpwatch_events_dropped_total", labels{"vm": x.vm, "sink": x.sink}); v != x.want {
			t.Errorf("%s dropped by %s = %v, want %v", x.vm, x.sink, v, x.want)
		}
	}
	text := string(c.AppendText(nil))
	for _, want := range []string{`qmpwatch_events_dropped_total{vm="vm1",sink="nats"} 2`, `qmpwatch_events_dropped_total{vm="vm2",sink="otlp"} 5`} {
		if !strings.Contains(text, want) {
			t.Errorf("text exposition lacks %s:\n%s", want, text)
		}
	}
}
