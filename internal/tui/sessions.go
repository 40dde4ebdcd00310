package tui

import (
	"strings"

	"github.com/qmpwatch/qmpwatch/internal/safe"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

var sessionColumns = []column{{title: "VM", max: 24}, {title: "PROTO"}, {title: "CLIENT", max: 40}, {title: "ID", prio: 5},
	{title: "START", prio: 3}, {title: "DURATION"}, {title: "STATE"}, {title: "TLS", prio: 4}, {title: "AUTH", prio: 4},
	{title: "USER", prio: 2, max: 40}, {title: "CHANNELS", prio: 1}}

// sessionRow is one session's cells; an open session's duration runs on
// with the clock.
func (m *Model) sessionRow(s *track.Session) []string {
	now := m.cfg.Now()
	start, known := s.Since()
	state, col := "open", m.pal.Conn
	end := now
	if s.Ended {
		state, col, end = "ended", m.pal.Dim, s.End
	}
	started, dur := "?", "?"
	if !start.IsZero() {
		started = start.In(m.cfg.Location).Format("15:04:05")
		if !known {
			started = "before " + started
		}
		dur = atLeast(age(end.Sub(start)), known)
	}
	tls := "no"
	if s.TLS {
		tls = "yes"
	}
	user := strings.TrimSpace(s.SASLUser + " " + s.X509)
	return []string{safe.String(s.VM), s.Protocol, safe.String(s.Client), orDash(s.ID), started, dur,
		string(m.pal.Append(nil, col, []byte(state))), tls, safe.String(orDash(s.Auth)), safe.String(orDash(user)),
		safe.String(orDash(strings.Join(s.ChannelNames(), ",")))}
}

// sessionsLines is the sessions view, scrolled to fit h lines.
func (m *Model) sessionsLines(h int) []string {
	out := m.stateLine()
	var rows [][]string
	for _, s := range m.sessions.List() {
		rows = append(rows, m.sessionRow(s))
	}
	if len(rows) == 0 {
		return append(out, "", "no sessions")
	}
	head, lines := layout(sessionColumns, rows, m.w)
	return append(out, m.scroll(head, lines, h-len(out))...)
}
