package render

import "github.com/qmpwatch/qmpwatch/internal/decode"

// JSON writes QEMU's event object unchanged (compacted) plus a "vm" member,
// one line per event. It never decodes the data: numbers and member order
// come out exactly as they went in. With Annotate, an event that is a
// documented follow-up of an earlier one also gets a "cause" member.
type JSON struct{ Annotate bool }

// Render implements Renderer.
func (j JSON) Render(dst []byte, ev *decode.Event) ([]byte, error) {
	start := len(dst)
	dst = decode.AppendCompact(dst, ev.Raw)
	if !ev.HasVM && ev.VM != "" {
		// Splice "vm" in before the closing brace.
		end := len(dst) - 1
		dst = dst[:end]
		if end > start+1 {
			dst = append(dst, ',')
		}
		dst = append(dst, `"vm":`...)
		dst = decode.AppendQuote(dst, ev.VM)
		dst = append(dst, '}')
	}
	if j.Annotate && ev.Cause != "" {
		dst = append(dst[:len(dst)-1], `,"cause":`...)
		dst = decode.AppendQuote(dst, ev.Cause)
		dst = append(dst, '}')
	}
	return append(dst, '\n'), nil
}
