// Package render turns decoded events into output: pretty sentences for
// people, exact JSON lines for programs, tables and templates.
package render

import (
	"fmt"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// Renderer appends one event's output, including its trailing newline.
type Renderer interface {
	Render(dst []byte, ev *decode.Event) ([]byte, error)
}

// Options choose and tune a format.
type Options struct {
	Format   string         // pretty, json, table, template
	Template string         // the template format's Go text/template source
	Palette  Palette        // colours of the writer the output goes to
	Time     string         // local (default), utc, rfc3339, clock, unix, relative
	Location *time.Location // for local time; time.Local when nil (tests pin it)
	Verbose  bool           // pretty: add every field
	Annotate bool           // json: add "cause" when the event has one
	ShowVM   bool           // pretty, table: show the VM
	Width    int            // table: terminal width; 0 (unknown, a pipe) = no cutting
}

// New returns the renderer for o.Format.
func New(o Options) (Renderer, error) {
	if o.Location == nil {
		o.Location = time.Local
	}
	switch o.Format {
	case "json":
		return JSON{Annotate: o.Annotate}, nil
	case "pretty", "":
		return &pretty{o: o, clock: newClock(o)}, nil
	case "table":
		return &table{o: o, clock: newClock(o)}, nil
	case "template":
		t, err := newTemplate(o)
		if err != nil {
			return nil, err
		}
		return t, nil
	}
	return nil, fmt.Errorf("unknown output format %q (want one of pretty, json, table, template)", o.Format)
}
