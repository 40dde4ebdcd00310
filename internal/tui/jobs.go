package tui

import (
	"strconv"

	"github.com/charmbracelet/x/ansi"

	"github.com/qmpwatch/qmpwatch/internal/safe"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

var jobColumns = []column{{title: "VM", max: 24}, {title: "JOB", max: 20}, {title: "TYPE", prio: 4}, {title: "STATUS"},
	{title: "PROGRESS", prio: 2}, {title: "DONE"}, {title: "RATE", prio: 1}, {title: "ETA", prio: 1},
	{title: "STARTED", prio: 6}, {title: "ELAPSED", prio: 3}, {title: "RESULT", prio: 5, max: 40}}

// jobRow is one job's cells.
func (m *Model) jobRow(j *track.Job) []string {
	now := m.cfg.Now()
	done, bar := "-", ""
	if off, n, ok := j.Sizes(); ok {
		done = size(off) + " / " + size(n)
		if p, ok := j.Percent(); ok {
			done += " " + strconv.Itoa(int(p)) + "%"
			bar = m.progressBar(p / 100)
		}
	}
	rt, eta := "-", "-"
	if r, ok := j.Rate(); ok && !j.Ended {
		rt = rate(r)
	}
	if d, ok := j.ETA(); ok {
		eta = age(d)
	}
	started, elapsed := "-", "-"
	if at, known := j.Since(); !at.IsZero() {
		started = at.In(m.cfg.Location).Format("15:04:05")
		if !known {
			started = "before " + at.In(m.cfg.Location).Format("15:04:05")
		}
		elapsed = atLeast(age(j.Elapsed(now)), known)
	}
	result := j.Result
	if j.Error != "" {
		result = j.Error
		if j.Result != "" && j.Result != "failed" {
			result = j.Result + ": " + j.Error
		}
	}
	status := j.Status
	if status == "" {
		status = "-"
	}
	col := m.pal.Job
	if j.Error != "" {
		col = m.pal.Fault
	}
	return []string{safe.String(j.VM), safe.String(j.ID), safe.String(orDash(j.Type)),
		string(m.pal.Append(nil, col, []byte(safe.String(status)))), bar, done, rt, eta, started, elapsed,
		safe.String(orDash(result))}
}

// progressBar draws a bar of fraction f, in the job colour or plain.
func (m *Model) progressBar(f float64) string {
	m.bar.Width = 12
	s := m.bar.ViewAs(f)
	if !m.cfg.Color {
		s = ansi.Strip(s)
	}
	return s
}

// jobsLines is the jobs view: the VMs' states, then the table, scrolled
// to fit h lines.
func (m *Model) jobsLines(h int) []string {
	out := m.stateLine()
	var rows [][]string
	for _, j := range m.jobs.List() {
		rows = append(rows, m.jobRow(j))
	}
	if len(rows) == 0 {
		return append(out, "", "no block jobs")
	}
	head, lines := layout(jobColumns, rows, m.w)
	return append(out, m.scroll(head, lines, h-len(out))...)
}

// stateLine lists each VM's run state on one line, cut to the width.
func (m *Model) stateLine() []string {
	if len(m.vms) == 0 {
		return []string{"waiting for the monitors…"}
	}
	s := ""
	for i, v := range m.vms {
		if i > 0 {
			s += "  "
		}
		s += safe.String(v.name) + ": " + m.stateText(v)
	}
	return []string{s}
}

// scroll shows the header and the rows that fit in h lines, from the
// current position; a last line says how many more there are.
func (m *Model) scroll(head string, rows []string, h int) []string {
	if h < 2 {
		return nil
	}
	room := h - 1
	if len(rows) > room {
		room-- // the "more" line
	}
	if m.sel > len(rows)-room {
		m.sel = max(0, len(rows)-room)
	}
	end := min(len(rows), m.sel+room)
	out := append([]string{string(m.pal.Append(nil, m.pal.Dim, []byte(head)))}, rows[m.sel:end]...)
	if len(rows) > h-1 {
		out = append(out, string(m.pal.Append(nil, m.pal.Dim, []byte("rows "+itoa(m.sel+1)+"-"+itoa(end)+" of "+itoa(len(rows))+" (↑/↓)"))))
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
