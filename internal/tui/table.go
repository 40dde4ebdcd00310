package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// column is one column of a table: its title, and its priority, the order
// in which columns give way when the screen is narrow (0 stays longest).
type column struct {
	title string
	prio  int
	max   int // widest it may be; 0: no limit
}

// layout lays rows out to width w: columns that do not fit are left out,
// lowest priority first, and the last column shown is cut to the width.
// Cells must already be escaped; they may carry colour.
func layout(cols []column, rows [][]string, w int) (header string, lines []string) {
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = ansi.StringWidth(c.title)
		for _, r := range rows {
			if n := ansi.StringWidth(r[i]); n > widths[i] {
				widths[i] = n
			}
		}
		if c.max > 0 && widths[i] > c.max {
			widths[i] = c.max
		}
	}
	show := make([]bool, len(cols))
	for i := range show {
		show[i] = true
	}
	total := func() int {
		t := 0
		for i, s := range show {
			if s {
				t += widths[i] + 2
			}
		}
		return t - 2
	}
	for total() > w {
		worst := -1
		for i, c := range cols {
			if show[i] && c.prio > 0 && (worst < 0 || c.prio > cols[worst].prio) {
				worst = i
			}
		}
		if worst < 0 {
			break // only the essential columns are left: cut the line
		}
		show[worst] = false
	}
	line := func(cells []string) string {
		var b strings.Builder
		first := true
		for i, c := range cells {
			if !show[i] {
				continue
			}
			if !first {
				b.WriteString("  ")
			}
			first = false
			b.WriteString(fit(c, widths[i]))
		}
		return cut(strings.TrimRight(b.String(), " "), w)
	}
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.title
	}
	header = line(titles)
	for _, r := range rows {
		lines = append(lines, line(r))
	}
	return header, lines
}
