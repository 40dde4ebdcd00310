package run

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/safe"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// eventsFetchSchema dials a monitor and returns its QEMU's event schema.
func eventsFetchSchema(ctx context.Context, addr conn.Addr, greeting time.Duration) (*decode.Catalog, conn.Greeting, error) {
	c, _, err := source.Open(ctx, addr, conn.Options{GreetingTimeout: greeting}, "")
	if err != nil {
		return nil, conn.Greeting{}, err
	}
	defer c.Close()
	raw, err := c.Query("query-qmp-schema", nil)
	if err != nil {
		return nil, c.Greeting(), err
	}
	live, err := decode.FromQMPSchema(raw)
	if err != nil {
		return nil, c.Greeting(), fmt.Errorf("%s: %w", safe.String(addr.String()), err)
	}
	return live, c.Greeting(), nil
}

// eventsLive compares the catalog with the schema of the QEMU at --live.
func eventsLive(ctx context.Context, s *iostreams.Streams, o *EventsOptions) error {
	live, g, err := eventsFetchSchema(ctx, o.live, o.Timeout)
	if err != nil {
		return err
	}
	cat := decode.Builtin()
	d := decode.DiffSchemas(cat, live, g.Version)
	if o.Output == "json" {
		return eventsWriteLiveJSON(s.Out, live, g, d)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "QEMU %s at %s reports %d events.\n\n", g.Version, safe.String(o.Live), len(live.Events()))
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tFIELDS\tIN CATALOG")
	for _, e := range live.Events() {
		in := "yes"
		if cat.Lookup(e.Name) == nil {
			in = "no"
		}
		names := make([]string, len(e.Fields))
		for i, f := range e.Fields {
			names[i] = safe.String(f.Name)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", safe.String(e.Name), strings.Join(names, ","), in)
	}
	tw.Flush()
	list := func(title string, names []string) {
		if len(names) > 0 {
			escaped := make([]string, len(names))
			for i, n := range names {
				escaped[i] = safe.String(n)
			}
			fmt.Fprintf(&b, "\n%s (%d):\n  %s\n", title, len(names), strings.Join(escaped, "\n  "))
		}
	}
	list("Catalog events this QEMU build lacks", d.Missing)
	list("Catalog events QEMU removed by "+g.Version.String(), d.Removed)
	list("Catalog events newer than QEMU "+g.Version.String(), d.Newer)
	list("Events the catalog lacks", d.Extra)
	var fields []string
	for _, f := range d.Fields {
		fields = append(fields, f.String())
	}
	list("Field differences", fields)
	if d.Empty() {
		b.WriteString("\nThe catalog knows every event and field of this QEMU.\n")
	}
	_, err = io.WriteString(s.Out, b.String())
	return exitcode.WriteErr(err)
}

func eventsWriteLiveJSON(w io.Writer, live *decode.Catalog, g conn.Greeting, d decode.SchemaDiff) error {
	var names []string
	for _, e := range live.Events() {
		names = append(names, e.Name)
	}
	fields := []string{}
	for _, f := range d.Fields {
		fields = append(fields, f.String())
	}
	nz := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	v := map[string]any{
		"qemu":    g.Version.String(),
		"events":  nz(names),
		"missing": nz(d.Missing),
		"newer":   nz(d.Newer),
		"removed": nz(d.Removed),
		"extra":   nz(d.Extra),
		"fields":  fields,
	}
	// The names come from the monitor: C1 and bidi characters stay escaped.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(safe.AppendJSON(nil, buf.Bytes()))
	return exitcode.WriteErr(err)
}
