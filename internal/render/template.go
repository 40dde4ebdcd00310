package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/fatih/color"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/safe"
)

// tmpl runs a Go text/template over each event's View. The template is
// parsed once, in New. Output that does not end in a newline gets one; an
// empty output prints nothing, so {{if}} can drop events.
type tmpl struct {
	o     Options
	t     *template.Template
	clock *clock
	buf   bytes.Buffer
}

func newTemplate(o Options) (*tmpl, error) {
	if strings.TrimSpace(o.Template) == "" {
		return nil, fmt.Errorf("template format needs a template (--template or --template-file)")
	}
	r := &tmpl{o: o, clock: newClock(o)}
	// text/template's errors read "template: qmpwatch:1:5: ...".
	t, err := template.New("qmpwatch").Funcs(r.funcs()).Parse(o.Template)
	if err != nil {
		return nil, err
	}
	r.t = t
	if err := r.tryOnSample(); err != nil {
		return nil, err
	}
	return r, nil
}

// viewFields are the fields a template reads of an event (View's).
const viewFields = ".Time, .VM, .Event, .Kind, .Data, .Summary and .Raw"

// tryOnSample runs the template on an event with no data, so that a field
// an event does not have fails now, with the fields it has, and not an hour
// later at the first event. What depends on an event's data is left to
// that event.
func (r *tmpl) tryOnSample() error {
	m, err := decode.ScanMessage([]byte(`{"event": "SAMPLE", "data": {}, "timestamp": {"seconds": 1700000000, "microseconds": 0}}`))
	if err != nil {
		return err
	}
	err = r.t.Execute(io.Discard, NewView(decode.NewEvent(&m, "vm")))
	if err != nil && strings.Contains(err.Error(), "can't evaluate field") {
		return fmt.Errorf("%w (an event has %s)", err, viewFields)
	}
	return nil
}

func (r *tmpl) Render(dst []byte, ev *decode.Event) ([]byte, error) {
	r.buf.Reset()
	if err := r.t.Execute(&r.buf, NewView(ev)); err != nil {
		return dst, fmt.Errorf("%s event: %w", safe.String(ev.Name), err)
	}
	out := r.buf.Bytes()
	if len(out) == 0 {
		return dst, nil
	}
	dst = appendOutputSafe(dst, out, r.o.Palette.Enabled)
	if out[len(out)-1] != '\n' {
		dst = append(dst, '\n')
	}
	return dst, nil
}

// TemplateFuncs names the helpers a template can call, for documentation.
var TemplateFuncs = []string{"json", "color", "upper", "lower", "duration", "size", "stamp", "pad", "safe"}

func (r *tmpl) funcs() template.FuncMap {
	return template.FuncMap{
		// json encodes a value as compact JSON, strings exact.
		"json": func(v any) (string, error) {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(v); err != nil {
				return "", err
			}
			return string(appendJSONSafe(nil, bytes.TrimSuffix(b.Bytes(), []byte{'\n'}))), nil
		},
		// color paints text in a named colour or event kind, when colour is on.
		"color": func(name string, text any) (string, error) {
			c, err := r.color(name)
			if err != nil {
				return "", err
			}
			s := fmt.Sprint(text)
			return string(r.o.Palette.Append(nil, c, []byte(s))), nil
		},
		"upper": func(v any) string { return strings.ToUpper(fmt.Sprint(v)) },
		"lower": func(v any) string { return strings.ToLower(fmt.Sprint(v)) },
		// duration turns seconds (or a time.Duration) into 1h2m3.5s.
		"duration": func(v any) (string, error) {
			d, err := toDuration(v)
			return d.String(), err
		},
		// size writes a byte count in binary units (64 MiB).
		"size": func(v any) string {
			return string(appendSize(nil, decode.Value{Kind: decode.Number, Text: fmt.Sprint(v)}))
		},
		// stamp formats a time as the --time mode does.
		"stamp": func(t time.Time) string { return string(r.clock.appendTime(nil, t)) },
		// pad left-aligns text in a column of n characters.
		"pad": func(n int, v any) string {
			s := fmt.Sprint(v)
			if k := len([]rune(s)); k < n {
				s += strings.Repeat(" ", n-k)
			}
			return s
		},
		// safe escapes control characters (Data strings already print escaped).
		"safe": func(v any) string { return safe.String(fmt.Sprint(v)) },
	}
}

// color maps a colour or kind name to the palette's colours.
func (r *tmpl) color(name string) (*color.Color, error) {
	p := &r.o.Palette
	switch name {
	case "red", "fault":
		return p.Fault, nil
	case "yellow", "state":
		return p.State, nil
	case "cyan", "conn":
		return p.Conn, nil
	case "blue", "job":
		return p.Job, nil
	case "dim", "faint":
		return p.Dim, nil
	case "bold":
		return p.Bold, nil
	case "plain", "":
		return nil, nil
	}
	return nil, fmt.Errorf("unknown colour %q (want red, yellow, cyan, blue, dim, bold, plain or a kind: fault, state, conn, job)", name)
}

// toDuration reads seconds from a number, a numeric string, or a Duration.
func toDuration(v any) (time.Duration, error) {
	switch x := v.(type) {
	case time.Duration:
		return x, nil
	case int:
		return time.Duration(x) * time.Second, nil
	case int64:
		return time.Duration(x) * time.Second, nil
	case float64:
		return time.Duration(x * float64(time.Second)), nil
	case *big.Int:
		return 0, fmt.Errorf("duration: %s seconds is out of range", x)
	}
	s := fmt.Sprint(v)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("duration: want seconds, got %q", s)
	}
	return time.Duration(f * float64(time.Second)), nil
}
