package metrics

import (
	"sort"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// family is one metric: its name, help, type and labels after "vm". The
// table below is the one place they are written; docs/metrics.md documents
// each one.
type family struct {
	name, help, typ string
	labels          []string
}

// Indexes into the family table.
const (
	fUp = iota
	fReconnects
	fLastEvent
	fEvents
	fRunning
	fStatus
	fShutdowns
	fResets
	fPanics
	fWatchdog
	fIOErrors
	fJobDuration
	fJobsRunning
	fSessions
	fViolations
	fDropped
	fExec
	fWebhook
	nFamilies
)

func newFamilies(cat *decode.Catalog) [nFamilies]family {
	f := func(name, typ, help string, labels ...string) family {
		return family{name: "qmpwatch_" + name, help: help, typ: typ, labels: labels}
	}
	return [nFamilies]family{
		fUp:          f("up", "gauge", "1 while qmpwatch is connected to the VM's QMP monitor, 0 after it went away."),
		fReconnects:  f("reconnects_total", "counter", "Sessions with the VM after the first one; the events of each gap are lost."),
		fLastEvent:   f("last_event_timestamp_seconds", "gauge", "QEMU's timestamp of the VM's last event, in seconds since the epoch."),
		fEvents:      f("events_total", "counter", eventsHelp(cat), "event"),
		fRunning:     f("vm_running", "gauge", "1 while the VM's run state is running, 0 otherwise; absent while disconnected."),
		fStatus:      f("vm_status", "gauge", "1 for the VM's current QEMU run state (query-status at connect, then lifecycle events); absent while disconnected.", "status"),
		fShutdowns:   f("shutdowns_total", "counter", "SHUTDOWN events by QEMU's reason.", "reason"),
		fResets:      f("resets_total", "counter", "RESET events by QEMU's reason.", "reason"),
		fPanics:      f("guest_panics_total", "counter", "GUEST_PANICKED events by the action QEMU took.", "action"),
		fWatchdog:    f("watchdog_total", "counter", "WATCHDOG events by the action QEMU took."+limitedNote(cat, "WATCHDOG"), "action"),
		fIOErrors:    f("block_io_errors_total", "counter", "BLOCK_IO_ERROR events by disk, operation, action and whether the disk was full.", "device", "operation", "action", "nospace"),
		fJobDuration: f("block_job_duration_seconds", "histogram", "Duration of ended block jobs, from their first event to their end, in QEMU's time.", "type", "result"),
		fJobsRunning: f("block_jobs_running", "gauge", "Block jobs of the VM that have started and not ended; absent while disconnected."),
		fSessions:    f("display_sessions", "gauge", "Open VNC and SPICE client sessions; absent while disconnected.", "protocol"),
		fViolations:  f("schema_violations_total", "counter", "Events that broke the QMP schema (wrong or missing members).", "event"),
		fDropped: f("events_dropped_total", "counter", "Events an output did not get, by output (sink): metrics are events read from the monitor but not counted "+
			"(qmpwatch slows its reading instead, so this stays 0); nats, exec, webhook and otlp are events their bounded queue had to drop.", "sink"),
		fExec:    f("exec_total", "counter", "Runs of --exec and of the config file's exec actions, by action and result (ok, failed, timeout, error).", "action", "result"),
		fWebhook: f("webhook_total", "counter", "Events POSTed by the config file's webhook actions, by action and result (ok, or failed after the retries).", "action", "result"),
	}
}

// descs are the families as client_golang descriptions.
type descs struct {
	up, reconnects, lastEvent, events, running, status      *prometheus.Desc
	shutdowns, resets, panics, watchdog, ioErrors           *prometheus.Desc
	jobDuration, jobsRunning, sessions, violations, dropped *prometheus.Desc
	exec, webhook                                           *prometheus.Desc
}

func newDescs(fs *[nFamilies]family) descs {
	d := func(i int) *prometheus.Desc {
		return prometheus.NewDesc(fs[i].name, fs[i].help, append([]string{"vm"}, fs[i].labels...), nil)
	}
	return descs{
		up: d(fUp), reconnects: d(fReconnects), lastEvent: d(fLastEvent), events: d(fEvents),
		running: d(fRunning), status: d(fStatus), shutdowns: d(fShutdowns), resets: d(fResets),
		panics: d(fPanics), watchdog: d(fWatchdog), ioErrors: d(fIOErrors), jobDuration: d(fJobDuration),
		jobsRunning: d(fJobsRunning), sessions: d(fSessions), violations: d(fViolations), dropped: d(fDropped),
		exec: d(fExec), webhook: d(fWebhook),
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
		d.sessions, d.violations, d.dropped, d.exec, d.webhook} {
		ch <- x
	}
}

// Collect sends the current value of every series, after forgetting the
// VMs gone for longer than ForgetAfter.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	for _, v := range c.snapshot() {
		v.mu.Lock()
		c.collectVM(ch, v.value, v)
		v.mu.Unlock()
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
	v.eachDropped(c.sinks, func(sink string, n uint64) { counter(d.dropped, n, sink) })
	for k, x := range v.runs {
		desc := d.exec
		if k.kind == KindWebhook {
			desc = d.webhook
		}
		counter(desc, x, k.action, k.result)
	}
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
	if st := v.state.Get(v.name); st.Status != "" {
		gauge(d.running, b2f(st.Status == "running"))
		gauge(d.status, 1, labelValue(st.Status))
	}
	gauge(d.jobsRunning, float64(v.runningJobs()))
	vnc, spice := v.openSessions()
	gauge(d.sessions, float64(spice), track.SPICE)
	gauge(d.sessions, float64(vnc), track.VNC)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
