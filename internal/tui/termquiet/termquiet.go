// Package termquiet keeps bubbletea's package init from querying the terminal.
//
// bubbletea v1 calls lipgloss.HasDarkBackground in its init, so that termenv
// asks the terminal for its background colour (OSC 11, then a cursor-position
// request as a sentinel) before any program owns the terminal. Every command
// of a binary that links bubbletea then sends those queries when stdout is a
// terminal, even --version, and where the terminal never answers (the Linux
// console, a serial line, script(1)) it waits termenv's 5 s timeout. termenv
// skips the query when TERM is "dumb", so this package sets TERM=dumb in its
// own init, which Go runs before bubbletea's (this package imports only os,
// so it is ready long before lipgloss is), and Restore puts TERM
// back. internal/tui calls Restore from its init, which runs after
// bubbletea's because tui imports bubbletea. Packages initialised in
// between see TERM=dumb too: fatih/color sets its global NoColor from it,
// which qmpwatch never relies on (render.Palette enables or disables each
// colour on its own, as STYLE.md asks). The views use no adaptive
// colours, so they never need the answer. TestNoTerminalQueries (in
// cmd/qmpwatch) guards the order with a pseudo-terminal that never answers.
package termquiet

import "os"

var (
	term, hadTerm = os.LookupEnv("TERM")
	restored      bool
)

func init() {
	_ = os.Setenv("TERM", "dumb")
}

// Restore puts TERM back as it was when the process started. It is safe to
// call more than once.
func Restore() {
	if restored {
		return
	}
	restored = true
	if hadTerm {
		_ = os.Setenv("TERM", term)
	} else {
		_ = os.Unsetenv("TERM")
	}
}
