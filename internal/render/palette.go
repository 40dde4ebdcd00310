package render

import (
	"hash/fnv"
	"strings"

	"github.com/fatih/color"
)

// Palette holds the colours for one writer. Each colour is enabled or
// disabled on its own instance, never through fatih/color's global NoColor,
// so stdout and stderr decide separately and tests can run in parallel.
type Palette struct {
	Enabled bool
	Fault   *color.Color // red: I/O errors, watchdog, panics
	State   *color.Color // yellow: run-state changes
	Conn    *color.Color // cyan: client connections
	Job     *color.Color // bright blue: block jobs (plain blue is unreadable on black)
	Dim     *color.Color // faint: times and field names
	Bold    *color.Color
	// VMs are the colours of VM names with several VMs, one per name
	// (ForVM): bold, and readable on dark and light backgrounds alike
	// (no plain blue, no bright yellow or green, no red: red is faults).
	VMs []*color.Color

	// The escape sequences around each colour, computed once so that
	// renderers append them without allocating per event.
	seq map[*color.Color][2]string
}

// NewPalette returns a palette with colour on or off.
func NewPalette(enabled bool) Palette {
	p := Palette{
		Enabled: enabled,
		Fault:   color.New(color.FgRed, color.Bold),
		State:   color.New(color.FgYellow),
		Conn:    color.New(color.FgCyan),
		Job:     color.New(color.FgHiBlue),
		Dim:     color.New(color.Faint),
		Bold:    color.New(color.Bold),
		seq:     map[*color.Color][2]string{},
	}
	for _, a := range []color.Attribute{color.FgGreen, color.FgMagenta, color.FgCyan, color.FgYellow, color.FgHiBlue, color.FgHiMagenta} {
		p.VMs = append(p.VMs, color.New(color.Bold, a))
	}
	for _, c := range append([]*color.Color{p.Fault, p.State, p.Conn, p.Job, p.Dim, p.Bold}, p.VMs...) {
		if enabled {
			c.EnableColor()
			on, off, _ := strings.Cut(c.Sprint("\x00"), "\x00")
			p.seq[c] = [2]string{on, off}
		} else {
			c.DisableColor()
		}
	}
	return p
}

// Append appends text wrapped in c's escape sequences, or plain text when
// colour is off (or c is nil). text must already be safe for a terminal.
func (p *Palette) Append(dst []byte, c *color.Color, text []byte) []byte {
	s, ok := p.seq[c]
	if !p.Enabled || !ok {
		return append(dst, text...)
	}
	dst = append(dst, s[0]...)
	dst = append(dst, text...)
	return append(dst, s[1]...)
}

// ForKind returns the colour of an event kind, nil for plain events.
func (p *Palette) ForKind(k Kind) *color.Color {
	switch k {
	case KindFault:
		return p.Fault
	case KindState:
		return p.State
	case KindConn:
		return p.Conn
	case KindJob:
		return p.Job
	}
	return nil
}

// ForVM returns the colour of a VM's name: the same for the same name in
// every run (a hash of the name), so a VM keeps its colour across runs.
func (p *Palette) ForVM(name string) *color.Color {
	if len(p.VMs) == 0 {
		return p.Bold
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	return p.VMs[h.Sum32()%uint32(len(p.VMs))]
}

// ForState returns the colour of a QEMU run state (query-status): faults
// red, anything but running yellow, running plain.
func (p *Palette) ForState(status string) *color.Color {
	switch status {
	case "running", "":
		return nil
	case "io-error", "internal-error", "guest-panicked", "watchdog", "shutdown":
		return p.Fault
	}
	return p.State
}

// ColorEnabled decides colour for one writer: --color always/never wins,
// then NO_COLOR (non-empty) or TERM=dumb turn it off, then it is on only
// for a terminal.
func ColorEnabled(mode string, isTTY bool, getenv func(string) string) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return false
	}
	return isTTY
}
