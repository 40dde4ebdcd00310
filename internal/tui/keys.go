package tui

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/qmpwatch/qmpwatch/internal/filter"
	"github.com/qmpwatch/qmpwatch/internal/safe"
)

// key handles one key press.
func (m *Model) key(k tea.KeyMsg) tea.Cmd {
	if k.Type == tea.KeyCtrlC {
		return tea.Quit
	}
	if m.editing {
		switch k.Type {
		case tea.KeyEnter:
			m.editing = false
			m.setFilter(m.input.Value())
		case tea.KeyEsc:
			m.editing = false
		default:
			var cmd tea.Cmd
			m.input, cmd = m.input.Update(k)
			return cmd
		}
		return nil
	}
	switch k.String() {
	case "q":
		return tea.Quit
	case "?":
		m.help = !m.help
	case "up", "k":
		if m.sel > 0 {
			m.sel--
		}
	case "down", "j":
		m.sel++ // bounded when drawn: the count changes as VMs come
	case "enter":
		if m.cfg.View == Top {
			m.focus = !m.focus
		}
	case "esc":
		m.focus, m.help = false, false
	case "/":
		if m.cfg.View == Top {
			m.editing = true
			m.input.SetValue(m.globSrc)
			m.input.CursorEnd()
			m.input.Focus()
		}
	case "p":
		if m.cfg.View == Top {
			m.setPaused(!m.paused)
		}
	}
	return nil
}

// setFilter sets the glob of event names the stream shows; "" shows all.
func (m *Model) setFilter(src string) {
	if src == "" {
		m.glob, m.globSrc = nil, ""
		return
	}
	g, err := filter.CompileGlobs([]string{src})
	if err != nil {
		m.notice = safe.String(err.Error())
		return
	}
	m.glob, m.globSrc = g, src
}

// setPaused pauses or resumes the stream; what came meanwhile is shown on
// resume.
func (m *Model) setPaused(on bool) {
	if !on {
		for _, e := range m.held {
			m.events = appendBounded(m.events, e)
		}
		m.held, m.heldN = nil, 0
	}
	m.paused = on
}
