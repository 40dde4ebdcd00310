package render

import (
	"unicode/utf8"

	"github.com/fatih/color"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// Column limits of the table format. A live stream cannot be measured in
// advance, so the widths are fixed at the first row: TIME fits that row's
// time (and relative times up to 999 s), VM fits its label within
// [tableMinVM, tableMaxVM] and cuts longer ones with "…". Only EVENT grows,
// for the few names longer than tableMinEvent, since a cut name is useless.
const (
	tableMinEvent   = 21 // fits BLOCK_JOB_COMPLETED, DEVICE_TRAY_MOVED, BLOCK_IMAGE_CORRUPTED
	tableMaxEvent   = 30 // the longest event name QEMU has
	tableMinVM      = 10
	tableMaxVM      = 20
	tableMinTime    = len("+999.999999")
	tableMinSummary = 12
	tableGap        = "  "
)

// table writes aligned columns TIME, [VM,] EVENT, SUMMARY, with a header
// before the first row. With a known terminal width, long values end in "…"
// so each event stays on one line.
type table struct {
	o       Options
	clock   *clock
	started bool
	wTime   int
	wVM     int
	wEvent  int
	cell    []byte
}

func (t *table) Render(dst []byte, ev *decode.Event) ([]byte, error) {
	pal := &t.o.Palette
	timeText := t.clock.append(nil, ev)
	if !t.started {
		t.started = true
		t.wTime = max(tableMinTime, len(timeText))
		t.wVM = min(max(tableMinVM, utf8.RuneCount(AppendSafe(nil, ev.VM))), tableMaxVM)
		t.wEvent = tableMinEvent
		dst = t.header(dst)
	}
	t.wTime = max(t.wTime, len(timeText))
	dst = t.pad(dst, pal.Dim, timeText, t.wTime)
	dst = append(dst, tableGap...)
	if t.o.ShowVM {
		t.cell = AppendSafe(t.cell[:0], ev.VM)
		dst = t.pad(dst, pal.ForVM(ev.VM), cut(t.cell, t.wVM), t.wVM)
		dst = append(dst, tableGap...)
	}
	t.cell = AppendSafe(t.cell[:0], ev.Name)
	nameMark := markName(ev)
	t.wEvent = min(max(t.wEvent, len(t.cell)+len(nameMark)), tableMaxEvent)
	mark := len(dst)
	name := cut(t.cell, t.wEvent-len(nameMark))
	dst = pal.Append(dst, pal.ForKind(KindOf(ev.Name)), name)
	if nameMark != "" {
		dst = pal.Append(dst, pal.Dim, []byte(nameMark))
	}
	for n := utf8.RuneCount(name) + len(nameMark); n < t.wEvent; n++ {
		dst = append(dst, ' ')
	}
	dst = append(dst, tableGap...)
	t.cell = AppendSummary(t.cell[:0], ev)
	if marks := appendMarks(nil, ev); len(marks) > 0 {
		if len(t.cell) == 0 {
			marks = marks[1:]
		}
		t.cell = append(t.cell, marks...)
	}
	if len(t.cell) == 0 {
		// Nothing to say: end the line after the event name.
		dst = dst[:mark]
		dst = pal.Append(dst, pal.ForKind(KindOf(ev.Name)), name)
		if nameMark != "" {
			dst = pal.Append(dst, pal.Dim, []byte(nameMark))
		}
		return append(dst, '\n'), nil
	}
	if w := t.summaryWidth(); w > 0 {
		t.cell = cut(t.cell, w)
	}
	dst = append(dst, t.cell...)
	return append(dst, '\n'), nil
}

func (t *table) header(dst []byte) []byte {
	pal := &t.o.Palette
	dst = t.pad(dst, pal.Bold, []byte("TIME"), t.wTime)
	dst = append(dst, tableGap...)
	if t.o.ShowVM {
		dst = t.pad(dst, pal.Bold, []byte("VM"), t.wVM)
		dst = append(dst, tableGap...)
	}
	dst = t.pad(dst, pal.Bold, []byte("EVENT"), t.wEvent)
	dst = append(dst, tableGap...)
	dst = pal.Append(dst, pal.Bold, []byte("SUMMARY"))
	return append(dst, '\n')
}

// summaryWidth is what the terminal leaves for the last column; 0 means
// no limit (the width is unknown, as in a pipe).
func (t *table) summaryWidth() int {
	if t.o.Width <= 0 {
		return 0
	}
	used := t.wTime + len(tableGap) + t.wEvent + len(tableGap)
	if t.o.ShowVM {
		used += t.wVM + len(tableGap)
	}
	return max(t.o.Width-used, tableMinSummary)
}

// pad appends text in colour c, then spaces up to width (measured on the
// visible text, not the escape sequences).
func (t *table) pad(dst []byte, c *color.Color, text []byte, width int) []byte {
	dst = t.o.Palette.Append(dst, c, text)
	for n := utf8.RuneCount(text); n < width; n++ {
		dst = append(dst, ' ')
	}
	return dst
}

// cut shortens b to at most width characters, the last one an ellipsis.
func cut(b []byte, width int) []byte {
	if utf8.RuneCount(b) <= width {
		return b
	}
	i, n := 0, 0
	for n < width-1 {
		_, size := utf8.DecodeRune(b[i:])
		i += size
		n++
	}
	return append(b[:i:i], "…"...)
}
