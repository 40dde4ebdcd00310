package metrics

import (
	"math"
	"strconv"
	"strings"

	"github.com/qmpwatch/qmpwatch/internal/track"
)

// ContentType is the media type of the text that AppendText writes.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// AppendText appends every series in the Prometheus text format (the same
// series Collect gives) and returns the extended buffer. It exists for
// speed: a scrape of 500 busy VMs is some 30,000 series, which client_golang's
// generic path (a const metric per series, then a protobuf family, sorted,
// then text) turns out in hundreds of milliseconds; this writes them
// directly in a few.
func (c *Collector) AppendText(b []byte) []byte {
	vms := c.snapshot()
	for i := range c.fams {
		f := &c.fams[i]
		start := len(b)
		b = append(b, "# HELP "...)
		b = append(b, f.name...)
		b = append(b, ' ')
		b = appendHelp(b, f.help)
		b = append(b, "\n# TYPE "...)
		b = append(b, f.name...)
		b = append(b, ' ')
		b = append(b, f.typ...)
		b = append(b, '\n')
		head := len(b)
		for _, v := range vms {
			v.mu.Lock()
			b = c.appendFamily(b, i, f, v)
			v.mu.Unlock()
		}
		if len(b) == head {
			b = b[:start] // no series: no header either
		}
	}
	return b
}

// appendFamily writes one VM's series of family i.
func (c *Collector) appendFamily(b []byte, i int, f *family, v *vmState) []byte {
	one := func(b []byte, x float64, kv ...string) []byte {
		return appendSample(b, f.name, "", v.label, x, kv...)
	}
	each := func(b []byte, m map[string]uint64) []byte {
		for k, x := range m {
			b = one(b, float64(x), f.labels[0], k)
		}
		return b
	}
	switch i {
	case fUp:
		b = one(b, b2f(v.up))
	case fReconnects:
		b = one(b, float64(v.reconnects))
	case fLastEvent:
		if v.hasLast {
			b = one(b, v.lastEvent)
		}
	case fEvents:
		b = each(b, v.events)
	case fShutdowns:
		b = each(b, v.shutdowns)
	case fResets:
		b = each(b, v.resets)
	case fPanics:
		b = each(b, v.panics)
	case fWatchdog:
		b = each(b, v.watchdog)
	case fViolations:
		b = each(b, v.violations)
	case fIOErrors:
		for k, x := range v.ioErrors {
			b = one(b, float64(x), "device", k.device, "operation", k.operation, "action", k.action, "nospace", k.nospace)
		}
	case fDropped:
		v.eachDropped(c.sinks, func(sink string, n uint64) { b = one(b, float64(n), "sink", sink) })
	case fExec, fWebhook:
		kind := KindExec
		if i == fWebhook {
			kind = KindWebhook
		}
		for k, x := range v.runs {
			if k.kind == kind {
				b = one(b, float64(x), "action", k.action, "result", k.result)
			}
		}
	case fJobDuration:
		for k, h := range v.jobHist {
			var cum uint64
			for j, ub := range jobBuckets {
				cum += h.counts[j]
				b = appendSample(b, f.name, "_bucket", v.label, float64(cum), "type", k.typ, "result", k.result, "le", strconv.FormatFloat(ub, 'g', -1, 64))
			}
			b = appendSample(b, f.name, "_bucket", v.label, float64(h.count), "type", k.typ, "result", k.result, "le", "+Inf")
			b = appendSample(b, f.name, "_sum", v.label, h.sum, "type", k.typ, "result", k.result)
			b = appendSample(b, f.name, "_count", v.label, float64(h.count), "type", k.typ, "result", k.result)
		}
	case fRunning, fStatus, fJobsRunning, fSessions:
		if v.up {
			b = c.appendLive(b, i, f, v, one)
		}
	}
	return b
}

// appendLive writes the series that exist only while a VM is connected.
func (c *Collector) appendLive(b []byte, i int, f *family, v *vmState, one func([]byte, float64, ...string) []byte) []byte {
	switch i {
	case fRunning, fStatus:
		st := v.state.Get(v.name)
		if st.Status == "" {
			return b
		}
		if i == fRunning {
			return one(b, b2f(st.Status == "running"))
		}
		return one(b, 1, "status", labelValue(st.Status))
	case fJobsRunning:
		return one(b, float64(v.runningJobs()))
	case fSessions:
		vnc, spice := v.openSessions()
		b = one(b, float64(spice), "protocol", track.SPICE)
		return one(b, float64(vnc), "protocol", track.VNC)
	}
	return b
}

// runningJobs counts the jobs started and not ended.
func (v *vmState) runningJobs() int { return v.jobs.Open() }

// openSessions counts the open display sessions by protocol.
func (v *vmState) openSessions() (vnc, spice int) { return v.sessions.OpenCount() }

// appendSample writes `name{vm="x",k="v",...} value`.
func appendSample(b []byte, name, suffix string, vmLabel []byte, x float64, kv ...string) []byte {
	b = append(b, name...)
	b = append(b, suffix...)
	b = append(b, '{')
	b = append(b, vmLabel...)
	for i := 0; i+1 < len(kv); i += 2 {
		b = append(b, ',')
		b = appendLabel(b, kv[i], kv[i+1])
	}
	b = append(b, "} "...)
	switch {
	case math.IsInf(x, +1):
		b = append(b, "+Inf"...)
	case math.IsInf(x, -1):
		b = append(b, "-Inf"...)
	case math.IsNaN(x):
		b = append(b, "NaN"...)
	case x == math.Trunc(x) && math.Abs(x) < 1e15:
		// Counts, gauges of 0 and 1, timestamps' seconds: most samples
		// are whole, and print as 'g' would print them, only faster.
		b = strconv.AppendInt(b, int64(x), 10)
	default:
		b = strconv.AppendFloat(b, x, 'g', -1, 64)
	}
	return append(b, '\n')
}

// appendLabel writes name="value", escaping the value as the text format
// wants: backslash, double quote and line feed.
func appendLabel(b []byte, name, value string) []byte {
	b = append(b, name...)
	b = append(b, '=', '"')
	if !strings.ContainsAny(value, "\\\"\n") {
		b = append(b, value...) // the usual label value, copied whole
	} else {
		b = appendEscaped(b, value, true)
	}
	return append(b, '"')
}

// appendHelp escapes a help text: backslash and line feed.
func appendHelp(b []byte, s string) []byte { return appendEscaped(b, s, false) }

// appendEscaped escapes s for the text format: backslash and line feed,
// and double quote in a label value (quote).
func appendEscaped(b []byte, s string, quote bool) []byte {
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '\\':
			b = append(b, '\\', '\\')
		case ch == '\n':
			b = append(b, '\\', 'n')
		case ch == '"' && quote:
			b = append(b, '\\', '"')
		default:
			b = append(b, ch)
		}
	}
	return b
}
