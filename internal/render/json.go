package render

import (
	"encoding/binary"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// JSON writes QEMU's event object unchanged (compacted) plus a "vm" member,
// one line per event. It never decodes the data: numbers and member order
// come out exactly as they went in. With Annotate, an event that is a
// documented follow-up of an earlier one also gets a "cause" member (unless
// it already has one, as a replayed --annotate line does: never a duplicate
// key). Characters that JSON allows raw but a terminal acts on (DEL, C1 and
// bidi controls) are written as \u escapes whatever the destination: the
// decoded value is unchanged.
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
	if j.Annotate && ev.Cause != "" && !ev.HasCause {
		dst = append(dst[:len(dst)-1], `,"cause":`...)
		dst = decode.AppendQuote(dst, ev.Cause)
		dst = append(dst, '}')
	}
	if needsJSONSafe(dst[start:]) {
		out := appendJSONSafe(nil, dst[start:])
		dst = append(dst[:start], out...)
	}
	return append(dst, '\n'), nil
}

// needsJSONSafe reports whether js holds DEL or any non-ASCII byte, the only
// places appendJSONSafe may change something; most events are plain ASCII.
// It looks at eight bytes at a time: it runs on every line -o json writes.
func needsJSONSafe(js []byte) bool {
	const high, ones, del = 0x8080808080808080, 0x0101010101010101, 0x7f7f7f7f7f7f7f7f
	i := 0
	for ; i+8 <= len(js); i += 8 {
		w := binary.LittleEndian.Uint64(js[i:])
		if w&high != 0 {
			return true // a byte >= 0x80
		}
		// With no byte >= 0x80, a zero byte of w^del is a DEL.
		if x := w ^ del; (x-ones)&^x&high != 0 {
			return true
		}
	}
	for ; i < len(js); i++ {
		if js[i] >= 0x7f {
			return true
		}
	}
	return false
}
