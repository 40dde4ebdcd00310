package tui

import "github.com/qmpwatch/qmpwatch/internal/tui/termquiet"

// bubbletea's init has run by now (this package imports it) without asking
// the terminal anything: give the process its TERM back.
func init() { termquiet.Restore() }
