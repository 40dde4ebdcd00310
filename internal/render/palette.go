package render

import "github.com/fatih/color"

// Palette holds the colours for one writer. Each colour is enabled or
// disabled on its own instance, never through fatih/color's global NoColor,
// so stdout and stderr decide separately and tests can run in parallel.
type Palette struct {
	Enabled bool
	Fault   *color.Color // red: I/O errors, watchdog, panics
	State   *color.Color // yellow: run-state changes
	Conn    *color.Color // cyan: client connections
	Job     *color.Color // blue: block jobs
	Dim     *color.Color // faint: times and field names
	Bold    *color.Color
}

// NewPalette returns a palette with colour on or off.
func NewPalette(enabled bool) Palette {
	p := Palette{
		Enabled: enabled,
		Fault:   color.New(color.FgRed, color.Bold),
		State:   color.New(color.FgYellow),
		Conn:    color.New(color.FgCyan),
		Job:     color.New(color.FgBlue),
		Dim:     color.New(color.Faint),
		Bold:    color.New(color.Bold),
	}
	for _, c := range []*color.Color{p.Fault, p.State, p.Conn, p.Job, p.Dim, p.Bold} {
		if enabled {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
	}
	return p
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
