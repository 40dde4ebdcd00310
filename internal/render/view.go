package render

import (
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/safe"
)

// View is what a --template sees for each event. Strings that came from the
// wire print escaped for the terminal; the json helper still gets them exact.
type View struct {
	Time    time.Time      // QEMU's timestamp; the zero time when QEMU could not read its clock
	VM      string         // the VM's label (-name, socket name or --label), escaped
	Event   string         // the event name, escaped
	Kind    string         // fault, state, conn, job or plain: the colour family (color .Kind .Event)
	Data    map[string]any // the event's data: see Text for strings; keys escaped like values; numbers exact (int, *big.Int, float64); bools; nil; []any; map[string]any
	Summary string         // the sentence pretty output prints, escaped
	Raw     string         // the event as one compact JSON object with "vm", as -o json prints it (C1 and bidi controls as \u escapes)
}

// Text is a string from the wire inside View.Data. It prints escaped for the
// terminal (fmt and templates call String), compares equal to its plain text
// in eq, and the json helper encodes it exactly.
type Text string

// String returns the text with control characters escaped.
func (t Text) String() string { return safe.String(string(t)) }

// NewView builds the template view of an event.
func NewView(ev *decode.Event) View {
	data, _ := viewValue(ev.Data()).(map[string]any)
	raw, _ := JSON{}.Render(nil, ev)
	return View{
		Time:    ev.Time(),
		VM:      safe.String(ev.VM),
		Event:   safe.String(ev.Name),
		Kind:    KindOf(ev.Name).String(),
		Data:    data,
		Summary: Summary(ev),
		Raw:     string(appendJSONSafe(nil, raw[:len(raw)-1])),
	}
}

// viewValue is decode.Value.Interface with strings as Text.
func viewValue(v decode.Value) any {
	switch v.Kind {
	case decode.String:
		return Text(v.Text)
	case decode.Array:
		a := make([]any, len(v.Items))
		for i, it := range v.Items {
			a[i] = viewValue(it)
		}
		return a
	case decode.Object:
		// Keys are escaped as values are (a key is as much the monitor's
		// text as a value): {{.Data}} prints the map with fmt, which would
		// write a raw newline in a key and forge a line.
		m := make(map[string]any, len(v.Members))
		for _, mb := range v.Members {
			m[safe.String(mb.Key)] = viewValue(mb.Value)
		}
		return m
	}
	return v.Interface()
}
