package tui

import (
	"strconv"
	"strings"

	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/safe"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

var topColumns = []column{{title: "  VM", max: 26}, {title: "QEMU", prio: 4}, {title: "STATE", max: 48},
	{title: "SESSIONS", prio: 2}, {title: "JOBS", prio: 1, max: 44}, {title: "FAULTS/1h", prio: 3},
	{title: "LAST EVENT", prio: 5, max: 36}}

// stateText is "paused 3m12s (write error on vda)": the run state, for how
// long, and its reason, coloured as watch colours the events behind it.
func (m *Model) stateText(v *vmInfo) string {
	st := m.states.Get(v.name)
	if v.ended {
		// The last state known, then why the watch of it ended.
		return string(m.pal.Append(nil, m.pal.Dim, []byte(safe.String(st.String())+" · "+safe.String(v.endReason))))
	}
	if st.Status == "" {
		return "unknown"
	}
	since, known := st.Since, true
	if since.IsZero() {
		since, known = v.since, false
	}
	s := st.Status
	if !since.IsZero() {
		s += " " + atLeast(age(m.cfg.Now().Sub(since)), known)
	}
	if st.Reason != "" {
		s += " (" + safe.String(st.Reason) + ")"
	}
	col := m.pal.State
	switch st.Status {
	case "running":
		col = nil
	case "io-error", "guest-panicked", "watchdog", "internal-error":
		col = m.pal.Fault
	}
	return string(m.pal.Append(nil, col, []byte(s)))
}

// vmRow is one VM's cells in top.
func (m *Model) vmRow(v *vmInfo, selected bool) []string {
	now := m.cfg.Now()
	mark := "  "
	if selected {
		mark = "› "
	}
	name := mark + safe.String(v.name)
	if selected {
		name = string(m.pal.Append(nil, m.pal.Bold, []byte(name)))
	}
	var open = map[string]int{}
	for _, s := range m.sessions.Open() {
		if s.VM == v.name {
			open[s.Protocol]++
		}
	}
	var sess []string
	for _, p := range []string{track.VNC, track.SPICE} {
		if open[p] > 0 {
			sess = append(sess, p+" "+strconv.Itoa(open[p]))
		}
	}
	var running []*track.Job
	for _, j := range m.jobs.List() {
		if j.VM == v.name && !j.Ended {
			running = append(running, j)
		}
	}
	jobs := "-"
	if len(running) > 0 {
		j := running[0]
		jobs = strings.TrimPrefix(safe.String(j.Type)+" "+safe.String(j.ID), " ")
		if p, ok := j.Percent(); ok {
			jobs += " " + m.progressBar(p/100) + " " + strconv.Itoa(int(p)) + "%"
			if j.Status != "running" && j.Status != "" {
				jobs += " " + safe.String(j.Status)
			}
		} else {
			jobs += " " + safe.String(orDash(j.Status))
		}
		if len(running) > 1 {
			jobs += " +" + strconv.Itoa(len(running)-1)
		}
	}
	faults := strconv.Itoa(v.faultsLastHour(now))
	if faults != "0" {
		faults = string(m.pal.Append(nil, m.pal.Fault, []byte(faults)))
	}
	last := "-"
	if v.lastName != "" {
		last = string(m.pal.Append(nil, m.pal.ForKind(render.KindOf(v.lastName)), []byte(safe.String(v.lastName)))) +
			" " + age(now.Sub(v.lastAt)) + " ago"
	}
	return []string{name, orDash(safe.String(v.version)), m.stateText(v), orDash(strings.Join(sess, ", ")),
		jobs, faults, last}
}

// topLines is top's main screen: the VMs, then the event stream.
func (m *Model) topLines(h int) []string {
	if len(m.vms) == 0 {
		return []string{"", "waiting for the monitors…"}
	}
	if m.sel >= len(m.vms) {
		m.sel = len(m.vms) - 1
	}
	rows := make([][]string, len(m.vms))
	for i, v := range m.vms {
		rows[i] = m.vmRow(v, i == m.sel)
	}
	head, lines := layout(topColumns, rows, m.w)
	// The VMs get up to half the screen; the selected one stays in sight.
	room := min(len(lines), max(3, h/2-1))
	first := 0
	if m.sel >= room {
		first = m.sel - room + 1
	}
	out := []string{string(m.pal.Append(nil, m.pal.Dim, []byte(head)))}
	out = append(out, lines[first:min(len(lines), first+room)]...)
	return append(out, m.eventLines("", h-len(out))...)
}

// eventLines is the stream section: a rule, then the newest events that
// pass the glob (and belong to vm, when given), oldest at the top.
func (m *Model) eventLines(vm string, h int) []string {
	if h < 1 {
		return nil
	}
	rule := "── events "
	if m.globSrc != "" {
		rule += "matching " + safe.String(m.globSrc) + " "
	}
	if vm != "" {
		rule += "of " + safe.String(vm) + " "
	}
	if m.paused {
		rule += "(paused: " + itoa(m.heldN) + " new, shown on p) "
	}
	rule += strings.Repeat("─", max(0, m.w-width(rule)))
	out := []string{string(m.pal.Append(nil, m.pal.Dim, []byte(rule)))}
	var shown []string
	for i := len(m.events) - 1; i >= 0 && len(shown) < h-1; i-- {
		e := m.events[i]
		if (vm != "" && e.vm != vm) || (m.glob != nil && !m.glob.Match(e.name)) {
			continue
		}
		shown = append(shown, e.line)
	}
	for i := len(shown) - 1; i >= 0; i-- {
		out = append(out, shown[i])
	}
	return out
}

// focusLines shows the selected VM in full: its state, sessions, jobs and
// events.
func (m *Model) focusLines(h int) []string {
	if len(m.vms) == 0 {
		m.focus = false
		return m.topLines(h)
	}
	if m.sel >= len(m.vms) {
		m.sel = len(m.vms) - 1
	}
	v := m.vms[m.sel]
	out := []string{string(m.pal.Append(nil, m.pal.Bold, []byte(safe.String(v.name)))) + "  QEMU " +
		orDash(safe.String(v.version)) + "  " + m.stateText(v) + "  faults/1h " +
		itoa(v.faultsLastHour(m.cfg.Now()))}
	var srows, jrows [][]string
	for _, s := range m.sessions.List() {
		if s.VM == v.name {
			srows = append(srows, m.sessionRow(s))
		}
	}
	for _, j := range m.jobs.List() {
		if j.VM == v.name {
			jrows = append(jrows, m.jobRow(j))
		}
	}
	budget := max(2, (h-len(out))/3)
	section := func(title string, cols []column, rows [][]string) {
		if len(rows) == 0 {
			out = append(out, title+": none")
			return
		}
		head, lines := layout(cols, rows, m.w)
		if len(lines) > budget {
			lines = append(lines[len(lines)-budget+1:], "…"+itoa(len(rows)-budget+1)+" older not shown")
		}
		out = append(out, title+":", string(m.pal.Append(nil, m.pal.Dim, []byte(head))))
		out = append(out, lines...)
	}
	section("sessions", sessionColumns, srows)
	section("jobs", jobColumns, jrows)
	return append(out, m.eventLines(v.name, h-len(out))...)
}
