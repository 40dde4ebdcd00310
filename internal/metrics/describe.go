package metrics

import (
	"sort"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// descs are the metric descriptions; docs/metrics.md documents each one.
type descs struct {
	up, reconnects, lastEvent, events, running, status      *prometheus.Desc
	shutdowns, resets, panics, watchdog, ioErrors           *prometheus.Desc
	jobDuration, jobsRunning, sessions, violations, dropped *prometheus.Desc
}

func newDescs(cat *decode.Catalog) descs {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("qmpwatch_"+name, help, append([]string{"vm"}, labels...), nil)
	}
	return descs{
		up:          d("up", "1 while qmpwatch is connected to the VM's QMP monitor, 0 after it went away."),
		reconnects:  d("reconnects_total", "Sessions with the VM after the first one; the events of each gap are lost."),
		lastEvent:   d("last_event_timestamp_seconds", "QEMU's timestamp of the VM's last event, in seconds since the epoch."),
		events:      d("events_total", eventsHelp(cat), "event"),
		running:     d("vm_running", "1 while the VM's run state is running, 0 otherwise; absent while disconnected."),
		status:      d("vm_status", "1 for the VM's current QEMU run state (query-status at connect, then lifecycle events); absent while disconnected.", "status"),
		shutdowns:   d("shutdowns_total", "SHUTDOWN events by QEMU's reason.", "reason"),
		resets:      d("resets_total", "RESET events by QEMU's reason.", "reason"),
		panics:      d("guest_panics_total", "GUEST_PANICKED events by the action QEMU took.", "action"),
		watchdog:    d("watchdog_total", "WATCHDOG events by the action QEMU took.", "action"),
		ioErrors:    d("block_io_errors_total", "BLOCK_IO_ERROR events by disk, operation, action and whether the disk was full.", "device", "operation", "action", "nospace"),
		jobDuration: d("block_job_duration_seconds", "Duration of ended block jobs, from their first event to their end, in QEMU's time.", "type", "result"),
		jobsRunning: d("block_jobs_running", "Block jobs of the VM that have started and not ended; absent while disconnected."),
		sessions:    d("display_sessions", "Open VNC and SPICE client sessions; absent while disconnected.", "protocol"),
		violations:  d("schema_violations_total", "Events that broke the QMP schema (wrong or missing members).", "event"),
		dropped:     d("events_dropped_total", "Events read from the monitor but not counted in qmpwatch_events_total. qmpwatch slows its reading instead of dropping, so this stays 0."),
	}
}

// eventsHelp names the rate-limited events: their counters undercount.
func eventsHelp(cat *decode.Catalog) string {
	var limited []string
	for _, e := range cat.Events() {
		if e.RateLimited {
			limited = append(limited, e.Name)
		}
	}
	sort.Strings(limited)
	return "QMP events received, by name. QEMU rate-limits " + strings.Join(limited, ", ") +
		" (at most one a second per kind, the rest dropped), so their counts undercount."
}

// limitedNote marks the help of a metric that counts one rate-limited event.
func limitedNote(cat *decode.Catalog, event string) string {
	if e := cat.Lookup(event); e != nil && e.RateLimited {
		return " Rate-limited by QEMU (at most one a second), so it undercounts."
	}
	return ""
}

// Describe sends every description.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	d := &c.d
	for _, x := range []*prometheus.Desc{d.up, d.reconnects, d.lastEvent, d.events, d.running, d.status,
		d.shutdowns, d.resets, d.panics, d.watchdog, d.ioErrors, d.jobDuration, d.jobsRunning,
		d.sessions, d.violations, d.dropped} {
		ch <- x
	}
}

// Collect sends the current value of every series, after forgetting the
// VMs gone for longer than ForgetAfter.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sweep()
	for name, v := range c.vms {
		c.collectVM(ch, labelValue(name), v)
	}
}

func (c *Collector) collectVM(ch chan<- prometheus.Metric, vm string, v *vmState) {
	d := &c.d
	gauge := func(desc *prometheus.Desc, x float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, x, append([]string{vm}, labels...)...)
	}
	counter := func(desc *prometheus.Desc, x uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, float64(x), append([]string{vm}, labels...)...)
	}
	counters := func(desc *prometheus.Desc, m map[string]uint64) {
		for k, x := range m {
			counter(desc, x, k)
		}
	}
	gauge(d.up, b2f(v.up))
	counter(d.reconnects, v.reconnects)
	if v.hasLast {
		gauge(d.lastEvent, v.lastEvent)
	}
	counters(d.events, v.events)
	counters(d.violations, v.violations)
	counters(d.shutdowns, v.shutdowns)
	counters(d.resets, v.resets)
	counters(d.panics, v.panics)
	counters(d.watchdog, v.watchdog)
	for k, x := range v.ioErrors {
		counter(d.ioErrors, x, k.device, k.operation, k.action, k.nospace)
	}
	counter(d.dropped, v.received-min(v.counted, v.received))
	for k, h := range v.jobHist {
		buckets := make(map[float64]uint64, len(jobBuckets))
		var cum uint64
		for i, ub := range jobBuckets {
			cum += h.counts[i]
			buckets[ub] = cum
		}
		ch <- prometheus.MustNewConstHistogram(d.jobDuration, h.count, h.sum, buckets, vm, k.typ, k.result)
	}
	if !v.up {
		return
	}
	if st := v.state.Get(vm); st.Status != "" {
		gauge(d.running, b2f(st.Status == "running"))
		gauge(d.status, 1, labelValue(st.Status))
	}
	running := 0
	for _, j := range v.jobs.List() {
		if !j.Ended {
			running++
		}
	}
	gauge(d.jobsRunning, float64(running))
	open := map[string]int{track.VNC: 0, track.SPICE: 0}
	for _, s := range v.sessions.Open() {
		open[s.Protocol]++
	}
	for p, n := range open {
		gauge(d.sessions, float64(n), p)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
