package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// size formats bytes in binary units: 512 B, 16 MiB, 1.5 GiB.
func size(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n), -1
	for v >= unit && i < 5 {
		v /= unit
		i++
	}
	s := fmt.Sprintf("%.1f", v)
	s = strings.TrimSuffix(s, ".0")
	return s + " " + "KMGTPE"[i:i+1] + "iB"
}

// rate formats bytes per second.
func rate(bps float64) string {
	if bps < 0 {
		bps = 0
	}
	return size(uint64(bps+0.5)) + "/s"
}

// age formats a duration for a person, to the second: 4s, 3m12s, 2h05m,
// 3d04h.
func age(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	}
	return fmt.Sprintf("%dd%02dh", s/86400, s%86400/3600)
}

// atLeast marks a duration whose start is unknown (it began before the
// watch): it lasted at least that long.
func atLeast(d string, known bool) string {
	if known {
		return d
	}
	return "≥" + d
}

// fit cuts or pads a line (which may hold colour sequences) to exactly w
// cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	s = ansi.Truncate(s, w, "…")
	if n := ansi.StringWidth(s); n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// cut cuts a line to at most w cells, without padding.
func cut(s string, w int) string {
	if w <= 0 {
		return ""
	}
	return ansi.Truncate(s, w, "…")
}
