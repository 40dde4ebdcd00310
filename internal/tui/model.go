// Package tui holds the full-screen views of the trackers: jobs, sessions
// and top. They are bubbletea models; the trackers in internal/track stay
// the one source of truth, and the views only read them.
package tui

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/progress"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/filter"
	"github.com/qmpwatch/qmpwatch/internal/live"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/safe"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// View says which screen a Model draws.
type View int

// The views.
const (
	Jobs View = iota
	Sessions
	Top
)

var viewNames = [...]string{"jobs", "sessions", "top"}

// Bounds on memory over a long watch.
const (
	maxEvents = 2000   // event lines kept for the stream
	maxFaults = 100000 // fault times kept per VM for the hourly count
)

// Config sets a Model up.
type Config struct {
	View  View
	Color bool // colours of watch's palette; false for NO_COLOR, --color never, tests
	// Keep applies watch's filters (-e/-x/-w/-f) to the event stream of
	// top; nil keeps every event. Trackers see every event regardless.
	Keep     func(*decode.Event) bool
	Now      func() time.Time // the clock; time.Now when nil (tests pin it)
	Location *time.Location   // for event times; time.Local when nil
	Tick     time.Duration    // how often durations are redrawn; 0: 1s, <0: never (tests)
}

// ItemMsg carries what a live source reported.
type ItemMsg live.Item

// tickMsg redraws the durations.
type tickMsg time.Time

// vmInfo is what top shows of a VM beyond the trackers.
type vmInfo struct {
	name      string
	version   string
	since     time.Time // connect time: the state's since when it was seeded
	lastName  string
	lastAt    time.Time
	faults    []time.Time
	ended     bool
	endReason string
	poller    *live.Poller
}

// event is one line of the stream.
type event struct {
	vm, name string
	line     string // rendered in pretty form, colours included
}

// Model is the bubbletea model of one view.
type Model struct {
	cfg      Config
	pal      render.Palette
	pretty   render.Renderer
	states   *track.States
	causes   *track.Causes
	jobs     *track.Jobs
	sessions *track.Sessions
	vms      []*vmInfo
	byName   map[string]*vmInfo

	events  []event // shown
	held    []event // arrived while paused
	heldN   int     // how many arrived while paused, all told
	paused  bool
	glob    *filter.Globs
	globSrc string
	input   textinput.Model
	editing bool

	sel    int  // selected VM (top), first row (jobs, sessions)
	focus  bool // top: the selected VM in full
	help   bool
	notice string
	w, h   int
	bar    progress.Model
	failed int // sources that ended with an error
}

// New returns the model of cfg.View.
func New(cfg Config) *Model {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	m := &Model{cfg: cfg, pal: render.NewPalette(cfg.Color), states: track.NewStates(),
		causes: track.NewCauses(decode.Builtin()), jobs: track.NewJobs(), sessions: track.NewSessions(),
		byName: map[string]*vmInfo{}, w: 80, h: 24}
	m.pretty, _ = render.New(render.Options{Format: "pretty", Palette: m.pal, ShowVM: true, Location: cfg.Location, Time: "clock"})
	// A VM at a tracker's bound is said on the status line, as a
	// connection change is.
	full := func(f track.Full) { m.notice = f.String() }
	m.jobs.OnFull(full)
	m.sessions.OnFull(full)
	m.input = textinput.New()
	m.input.Prompt = "filter events (glob): "
	m.bar = progress.New(progress.WithSolidFill("4"), progress.WithoutPercentage())
	return m
}

// Init starts the redraw clock.
func (m *Model) Init() tea.Cmd { return m.tick() }

func (m *Model) tick() tea.Cmd {
	d := m.cfg.Tick
	if d < 0 {
		return nil
	}
	if d == 0 {
		d = time.Second
	}
	return tea.Tick(d, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// Update takes a key, a resize, a tick or a live item.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
	case tickMsg:
		return m, m.tick()
	case ItemMsg:
		m.take(live.Item(msg))
	case tea.KeyMsg:
		return m, m.key(msg)
	}
	return m, nil
}

// vm returns the VM's info, adding it on first sight.
func (m *Model) vm(name string) *vmInfo {
	v := m.byName[name]
	if v == nil {
		v = &vmInfo{name: name}
		m.byName[name] = v
		m.vms = append(m.vms, v)
		sort.SliceStable(m.vms, func(i, j int) bool { return m.vms[i].name < m.vms[j].name })
	}
	return v
}

// take feeds one live item to the trackers.
func (m *Model) take(it live.Item) {
	if it.Status != nil {
		st := *it.Status
		// The note is the run state at connect, which goes stale at the
		// VM's next STOP or RESUME; the VM's row keeps it current.
		st.Note = ""
		m.notice = strings.TrimPrefix(source.StatusLine(st), "qmpwatch: ")
		if it.Status.Kind == source.Unreachable && it.Status.Failure {
			m.failed++
		}
	}
	switch {
	case it.Seed != nil:
		v := m.vm(it.VM)
		v.version, v.since, v.poller, v.ended = it.Seed.Version, it.Seed.At, it.Seed.Poller, false
		m.states.Seed(it.VM, it.Seed.RunState)
		it.Seed.Apply(it.VM, m.jobs, m.sessions)
	case it.Progress != nil:
		if it.Progress.Err == nil {
			m.jobs.Poll(it.VM, it.Progress.At, it.Progress.Jobs)
		}
	case it.Ev != nil:
		m.observe(it.Ev)
	case it.Ended:
		v := m.vm(it.VM)
		now := m.cfg.Now()
		v.ended = true
		m.jobs.EndAll(it.VM, now)
		m.sessions.EndAll(it.VM, now)
		m.causes.Forget(it.VM)
		if it.Err != nil {
			m.failed++
			v.endReason = it.Err.Error() // its status line is the notice
		} else {
			v.endReason = "connection closed"
		}
	}
	if v := m.byName[it.VM]; v != nil && v.poller != nil {
		v.poller.SetActive(!v.ended && m.jobs.RunningOn(it.VM))
	}
}

// observe feeds one event to every tracker, then to the stream.
func (m *Model) observe(ev *decode.Event) {
	v := m.vm(ev.VM)
	by := m.causes.Observe(ev)
	m.states.Observe(ev, by)
	m.jobs.Observe(ev)
	m.sessions.Observe(ev)
	v.lastName, v.lastAt = ev.Name, ev.Time()
	if render.KindOf(ev.Name) == render.KindFault {
		if len(v.faults) >= maxFaults {
			v.faults = v.faults[1:]
		}
		v.faults = append(v.faults, ev.Time())
	}
	if m.cfg.Keep != nil && !m.cfg.Keep(ev) {
		return
	}
	b, err := m.pretty.Render(nil, ev)
	if err != nil {
		return
	}
	e := event{vm: ev.VM, name: ev.Name, line: strings.TrimRight(string(b), "\n")}
	if m.paused {
		m.heldN++
		m.held = appendBounded(m.held, e)
		return
	}
	m.events = appendBounded(m.events, e)
}

func appendBounded(evs []event, e event) []event {
	if len(evs) >= maxEvents {
		evs = append(evs[:0], evs[1:]...)
	}
	return append(evs, e)
}

// faultsLastHour counts the VM's faults in the hour before now, and drops
// the older ones.
func (v *vmInfo) faultsLastHour(now time.Time) int {
	cut := now.Add(-time.Hour)
	i := sort.Search(len(v.faults), func(i int) bool { return v.faults[i].After(cut) })
	return len(v.faults) - i
}

// View draws the screen: exactly h lines of at most w cells, so nothing
// ever scrolls into the terminal's scrollback.
func (m *Model) View() string {
	if m.h < 1 || m.w < 1 {
		return ""
	}
	var body []string
	switch {
	case m.help:
		body = m.helpLines()
	case m.cfg.View == Jobs:
		body = m.jobsLines(m.h - 2)
	case m.cfg.View == Sessions:
		body = m.sessionsLines(m.h - 2)
	case m.focus:
		body = m.focusLines(m.h - 2)
	default:
		body = m.topLines(m.h - 2)
	}
	lines := append([]string{m.title()}, body...)
	for len(lines) < m.h-1 {
		lines = append(lines, "")
	}
	lines = append(lines[:m.h-1], m.statusLine())
	for i, l := range lines {
		lines[i] = cut(l, m.w)
	}
	return strings.Join(lines, "\n")
}

// title is the first line: the view and the host at a glance.
func (m *Model) title() string {
	now := m.cfg.Now()
	running, paused, jobs := 0, 0, 0
	for _, v := range m.vms {
		switch st := m.states.Get(v.name).Status; {
		case v.ended:
		case st == "running":
			running++
		case st != "":
			paused++
		}
	}
	for _, j := range m.jobs.List() {
		if !j.Ended {
			jobs++
		}
	}
	t := "qmpwatch " + viewNames[m.cfg.View] + " · " + plural(len(m.vms), "VM") + " (" +
		itoa(running) + " running, " + itoa(paused) + " not running) · " + plural(jobs, "job") + " running · " +
		now.In(m.cfg.Location).Format("15:04:05")
	return string(m.pal.Append(nil, m.pal.Bold, []byte(t)))
}

// statusLine is the last line: the latest notice, the filter input, or the
// keys.
func (m *Model) statusLine() string {
	if m.editing {
		return m.input.View()
	}
	var parts []string
	if m.paused {
		parts = append(parts, string(m.pal.Append(nil, m.pal.State, []byte("PAUSED: "+itoa(m.heldN)+" new"))))
	}
	if m.globSrc != "" {
		parts = append(parts, "filter "+safe.String(m.globSrc))
	}
	if m.notice != "" {
		parts = append(parts, m.notice)
	}
	keys := "q quit · ↑↓ move · ? keys"
	if m.cfg.View == Top {
		keys = "q quit · ↑↓ select · enter focus · / filter · p pause · ? keys"
	}
	parts = append(parts, string(m.pal.Append(nil, m.pal.Dim, []byte(keys))))
	return strings.Join(parts, " │ ")
}

func (m *Model) helpLines() []string {
	keys := [][2]string{
		{"↑/↓ k/j", "select a VM (top) or scroll the table"},
		{"enter", "focus the selected VM: its events, sessions and jobs in full; enter or esc go back"},
		{"/", "filter the events by a glob of their names (BLOCK_*); an empty filter shows all"},
		{"p", "pause the event stream; events are kept and shown when unpaused"},
		{"?", "show or hide this help"},
		{"q ctrl+c", "quit"},
	}
	// The box's border and padding take 4 cells; a description wraps under
	// itself, so that the box fits the terminal whole (at 80 columns the
	// enter line did not, and lost its right border).
	const keyCol = 12
	inner := max(m.w-4, keyCol+10)
	var lines []string
	for _, k := range keys {
		for i, l := range wrapWords(k[1], inner-keyCol) {
			key := ""
			if i == 0 {
				key = "  " + k[0]
			}
			lines = append(lines, key+strings.Repeat(" ", max(keyCol-width(key), 1))+l)
		}
	}
	box := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1).MaxWidth(m.w)
	return append([]string{""}, strings.Split(box.Render(strings.Join(lines, "\n")), "\n")...)
}

// wrapWords breaks s at spaces into lines of at most n cells (a longer word
// stands alone on its line).
func wrapWords(s string, n int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && width(line)+1+width(w) > n {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return append(lines, line)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return itoa(n) + " " + what + "s"
}

func itoa(n int) string { return strconv.Itoa(n) }

// width of a string in cells, colours aside.
func width(s string) int { return ansi.StringWidth(s) }
