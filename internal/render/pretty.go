package render

import (
	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// pretty writes one line per event: TIME  [VM]  EVENT  key=value ...
type pretty struct {
	o     Options
	clock *clock
}

func (p *pretty) Render(dst []byte, ev *decode.Event) ([]byte, error) {
	dst = p.clock.append(dst, ev)
	dst = append(dst, "  "...)
	if p.o.ShowVM {
		dst = AppendSafe(dst, ev.VM)
		dst = append(dst, "  "...)
	}
	dst = AppendSafe(dst, ev.Name)
	for _, m := range ev.Data().Members {
		dst = append(dst, ' ')
		dst = appendKV(dst, m.Key, m.Value)
	}
	return append(dst, '\n'), nil
}

// appendKV writes key=value with nested objects flattened to a.b=value.
func appendKV(dst []byte, key string, v decode.Value) []byte {
	if v.Kind == decode.Object && len(v.Members) > 0 {
		for i, m := range v.Members {
			if i > 0 {
				dst = append(dst, ' ')
			}
			dst = appendKV(dst, key+"."+m.Key, m.Value)
		}
		return dst
	}
	dst = AppendSafe(dst, key)
	dst = append(dst, '=')
	if v.Kind == decode.String {
		return AppendSafe(dst, v.Text)
	}
	return AppendSafe(dst, v.String())
}
