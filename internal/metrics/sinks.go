package metrics

import "sort"

// The outputs beside stdout (the fleet publisher, --exec, webhooks, OTLP)
// each keep a bounded queue and drop its oldest entries rather than slow
// the stream: what they drop, and how their runs end, is counted here.

// Sink names of qmpwatch_events_dropped_total. SinkMetrics is the
// collector itself (events read but not counted, which stays 0); SinkNATS
// is the fleet publisher, whose losses Options.Lost reports, as OTLP's.
const (
	SinkMetrics = "metrics"
	SinkNATS    = "nats"
)

// Kinds of runs counted by Ran: qmpwatch_exec_total and
// qmpwatch_webhook_total.
const (
	KindExec    = "exec"
	KindWebhook = "webhook"
)

// runKey is the label set of one exec or webhook outcome.
type runKey struct{ kind, action, result string }

// Dropped adds n events that an output (sink: "exec", "webhook", "otlp",
// ...) dropped for the VM to qmpwatch_events_dropped_total{sink}. Safe for
// concurrent use.
func (c *Collector) Dropped(vm, sink string, n int) {
	if n <= 0 {
		return
	}
	v := c.lockVM(vm)
	if v.dropped == nil {
		v.dropped = map[string]uint64{}
	}
	v.dropped[labelValue(sink)] += uint64(n)
	v.mu.Unlock()
}

// Ran counts one run of an action for the VM: kind is KindExec or
// KindWebhook, action the action's name ("--exec" for the flag), result
// how it ended (ok, failed, timeout, error). Action names come from the
// command line and the config file, not from the wire. Safe for
// concurrent use.
func (c *Collector) Ran(vm, kind, action, result string) {
	v := c.lockVM(vm)
	if v.runs == nil {
		v.runs = map[runKey]uint64{}
	}
	v.runs[runKey{kind, labelValue(action), labelValue(result)}]++
	v.mu.Unlock()
}

// eachDropped calls f for each sink's count of the VM, in a stable order:
// the collector's own (always, so that its 0 shows), then the sinks whose
// losses are asked for at each scrape (Options.Lost: the fleet publisher,
// OTLP), in Collector.sinks' order, then those counted as they drop
// (Dropped: exec, webhook) by name. The caller holds v.mu.
func (v *vmState) eachDropped(pulled []string, f func(sink string, n uint64)) {
	f(SinkMetrics, v.received-min(v.counted, v.received))
	for i, s := range pulled {
		f(s, v.lostBy(i))
	}
	sinks := make([]string, 0, len(v.dropped))
	for s := range v.dropped {
		sinks = append(sinks, s)
	}
	sort.Strings(sinks)
	for _, s := range sinks {
		f(s, v.dropped[s])
	}
}
