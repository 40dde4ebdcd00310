package render

import (
	"unicode/utf8"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// pretty writes one line per event for a person:
//
//	TIME  [VM]  EVENT  summary sentence  [key=value ... with -v]
//
// The event name is coloured by its kind; everything from the wire is
// escaped for the terminal.
type pretty struct {
	o     Options
	clock *clock
	tmp   []byte
	wVM   int // the VM column: as wide as the longest name so far
}

func (p *pretty) Render(dst []byte, ev *decode.Event) ([]byte, error) {
	pal := &p.o.Palette
	p.tmp = p.clock.append(p.tmp[:0], ev)
	dst = pal.Append(dst, pal.Dim, p.tmp)
	dst = append(dst, "  "...)
	if p.o.ShowVM {
		p.tmp = AppendSafe(p.tmp[:0], ev.VM)
		dst = pal.Append(dst, pal.ForVM(ev.VM), p.tmp)
		n := utf8.RuneCount(p.tmp)
		p.wVM = max(p.wVM, n)
		for ; n < p.wVM; n++ {
			dst = append(dst, ' ')
		}
		dst = append(dst, "  "...)
	}
	p.tmp = AppendSafe(p.tmp[:0], ev.Name)
	dst = pal.Append(dst, pal.ForKind(KindOf(ev.Name)), p.tmp)
	if m := markName(ev); m != "" {
		dst = pal.Append(dst, pal.Dim, []byte(m))
	}
	if ev.Cause != "" {
		dst = append(dst, " (after "...)
		dst = append(AppendSafe(dst, ev.Cause), ')')
	}
	mark := len(dst)
	dst = append(dst, "  "...)
	dst = AppendSummary(dst, ev)
	if len(dst) == mark+2 {
		dst = dst[:mark] // nothing to say: no trailing blanks
	}
	if p.o.Verbose && HasSummary(ev.Name) && len(ev.Data().Members) > 0 {
		p.tmp = append(p.tmp[:0], "  "...)
		p.tmp = appendKVMarked(p.tmp, ev)
		dst = pal.Append(dst, pal.Dim, p.tmp)
	} else if p.tmp = appendMarks(p.tmp[:0], ev); len(p.tmp) > 0 {
		if len(dst) == mark {
			dst = append(dst, ' ') // after the name: two blanks as before a summary
		}
		dst = pal.Append(dst, pal.Dim, p.tmp)
	}
	return append(dst, '\n'), nil
}
