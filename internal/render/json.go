package render

import "github.com/qmpwatch/qmpwatch/internal/decode"

// JSON writes QEMU's event object unchanged (compacted) plus a "vm" member,
// one line per event. It never decodes the data: numbers and member order
// come out exactly as they went in.
type JSON struct{}

// Render implements Renderer.
func (JSON) Render(dst []byte, ev *decode.Event) ([]byte, error) {
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
	return append(dst, '\n'), nil
}
