package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/safe"
)

type eventsOptions struct {
	output  string
	live    string
	timeout time.Duration
}

func newEventsCmd(a *app) *cobra.Command {
	o := &eventsOptions{}
	cmd := &cobra.Command{
		Use:   "events [NAME]",
		Short: "List the QMP events qmpwatch knows, or compare with a running QEMU",
		Long: `Without arguments, list every QMP event of the builtin catalog: its name, the
QEMU version that introduced it, and what it means. With NAME (any case), show
one event in full: its fields with types and docs, the events QEMU documents as
following it, whether QEMU rate-limits it, and an example.

With --live ADDRESS, ask a running QEMU for its own schema (query-qmp-schema)
and show how it differs from the catalog: events this build lacks (SPICE_*
without SPICE support, say), events introduced after its version, and events,
fields or enum values that the catalog does not know.`,
		Example: `  qmpwatch events
  qmpwatch events block_io_error
  qmpwatch events -o json | jq -r 'select(.rate_limited) | .name'
  qmpwatch events --live /run/vm1.qmp`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.live != "" {
				if len(args) > 0 {
					return usageErrorf("--live takes no event name")
				}
				return runEventsLive(cmd.Context(), a.streams, o)
			}
			if len(args) == 1 {
				return runEventShow(a.streams, o, args[0])
			}
			return runEventsList(a.streams, o)
		},
	}
	fs := cmd.Flags()
	fs.VarP(newEnum(&o.output, "table", "table", "json"), "output", "o", "output format: table, json (one object a line)")
	fs.StringVar(&o.live, "live", "", "compare the catalog with the schema of the QEMU at ADDRESS")
	fs.DurationVar(&o.timeout, "greeting-timeout", 5*time.Second, "with --live: how long to wait for QEMU's greeting")
	return cmd
}

func runEventsList(s *Streams, o *eventsOptions) error {
	cat := decode.Builtin()
	if err := decode.BuiltinError(); err != nil {
		return fmt.Errorf("builtin catalog: %w", err)
	}
	if o.output == "json" {
		return writeEventsJSON(s.Out, cat.Events())
	}
	tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSINCE\tDESCRIPTION")
	for _, e := range cat.Events() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Name, sinceText(e), e.Doc)
	}
	return writeErr(tw.Flush())
}

func sinceText(e *decode.EventSpec) string {
	if e.Own {
		return "qmpwatch"
	}
	return shortVersion(e.Since)
}

// shortVersion prints 7.2 rather than 7.2.0.
func shortVersion(v decode.Version) string {
	if !v.Known() {
		return "-"
	}
	if v.Micro == 0 {
		return fmt.Sprintf("%d.%d", v.Major, v.Minor)
	}
	return v.String()
}

// eventJSON is the -o json view of an event, one object a line.
type eventJSON struct {
	Name        string         `json:"name"`
	Since       string         `json:"since,omitempty"`
	Doc         string         `json:"doc"`
	RateLimited bool           `json:"rate_limited"`
	Own         bool           `json:"own,omitempty"`
	Fields      []fieldJSON    `json:"fields"`
	FollowUps   []followUpJSON `json:"follow_ups,omitempty"`
	Example     string         `json:"example,omitempty"`
}

type fieldJSON struct {
	Name     string      `json:"name"`
	Type     string      `json:"type"`
	Values   []string    `json:"values,omitempty"`
	Optional bool        `json:"optional"`
	Since    string      `json:"since,omitempty"`
	Doc      string      `json:"doc,omitempty"`
	Members  []fieldJSON `json:"members,omitempty"`
}

type followUpJSON struct {
	When string `json:"when"`
	Then string `json:"then"`
	Doc  string `json:"doc,omitempty"`
}

func writeEventsJSON(w io.Writer, events []*decode.EventSpec) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, e := range events {
		v := eventJSON{Name: e.Name, Doc: e.Doc, RateLimited: e.RateLimited, Own: e.Own, Example: e.Example, Fields: fieldsJSON(e.Fields, 0)}
		if e.Since.Known() {
			v.Since = shortVersion(e.Since)
		}
		if v.Fields == nil {
			v.Fields = []fieldJSON{}
		}
		for _, f := range e.FollowUps {
			v.FollowUps = append(v.FollowUps, followUpJSON{When: f.When.String(), Then: f.Then, Doc: f.Doc})
		}
		if err := enc.Encode(v); err != nil {
			return writeErr(err)
		}
	}
	return nil
}

func fieldsJSON(fs []*decode.Field, depth int) []fieldJSON {
	var out []fieldJSON
	for _, f := range fs {
		j := fieldJSON{Name: f.Name, Type: typeKind(f.Type), Optional: f.Optional, Doc: f.Doc}
		if f.Since.Known() {
			j.Since = shortVersion(f.Since)
		}
		t := f.Type
		if t.Kind == decode.KindEnum {
			j.Values = t.Values
		}
		if t.Kind == decode.KindObject && depth < 6 {
			j.Members = fieldsJSON(t.Members, depth+1)
		}
		out = append(out, j)
	}
	return out
}

// typeKind is a type's one-word name: str, int, enum, object, "array of str".
func typeKind(t *decode.Type) string {
	if t.Kind == decode.KindArray {
		return "array of " + typeKind(t.Elem)
	}
	return t.Kind
}

func runEventShow(s *Streams, o *eventsOptions, name string) error {
	cat := decode.Builtin()
	e := cat.Lookup(strings.ToUpper(name))
	if e == nil {
		return usageErrorf("unknown event %q (qmpwatch events lists them)", name)
	}
	if o.output == "json" {
		return writeEventsJSON(s.Out, []*decode.EventSpec{e})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n  %s\n\n", e.Name, e.Doc)
	if e.Own {
		b.WriteString("Emitted by qmpwatch itself, not by QEMU.\n")
	} else {
		fmt.Fprintf(&b, "Since QEMU %s.\n", shortVersion(e.Since))
	}
	if e.RateLimited {
		b.WriteString("Rate-limited: QEMU sends at most one a second and drops the ones in between.\n")
	}
	b.WriteString("\nFields:\n")
	if len(e.Fields) == 0 {
		b.WriteString("  (none)\n")
	} else {
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		writeFields(tw, e.Fields, "  ")
		tw.Flush()
	}
	if len(e.FollowUps) > 0 {
		b.WriteString("\nFollowed by:\n")
		for _, f := range e.FollowUps {
			fmt.Fprintf(&b, "  %s when %s: %s\n", f.Then, f.When, f.Doc)
		}
	}
	if e.Example != "" {
		fmt.Fprintf(&b, "\nExample:\n  %s\n", e.Example)
	}
	_, err := io.WriteString(s.Out, b.String())
	return writeErr(err)
}

func writeFields(w io.Writer, fs []*decode.Field, indent string) {
	for _, f := range fs {
		var notes []string
		if f.Optional {
			notes = append(notes, "optional")
		}
		if f.Since.Known() {
			notes = append(notes, "since "+shortVersion(f.Since))
		}
		note := ""
		if len(notes) > 0 {
			note = " (" + strings.Join(notes, ", ") + ")"
		}
		fmt.Fprintf(w, "%s%s\t%s\t%s%s\n", indent, f.Name, f.Type, f.Doc, note)
		t := f.Type
		for t.Kind == decode.KindArray {
			t = t.Elem
		}
		if t.Kind == decode.KindObject && len(indent) < 14 {
			writeFields(w, t.Members, indent+"  ")
			for _, k := range sortedKeys(t.Variants) {
				fmt.Fprintf(w, "%s  when %s is %q:\t\t\n", indent, t.Tag, k)
				writeFields(w, t.Variants[k], indent+"    ")
			}
		}
	}
}

func sortedKeys(m map[string][]*decode.Field) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// fetchLiveSchema dials a monitor and returns its QEMU's event schema.
func fetchLiveSchema(ctx context.Context, address string, greeting time.Duration) (*decode.Catalog, conn.Greeting, error) {
	addr, err := conn.ParseAddr(address)
	if err != nil {
		return nil, conn.Greeting{}, withCode(exitUsage, err)
	}
	c, err := conn.Dial(ctx, addr, conn.Options{GreetingTimeout: greeting})
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
		return nil, c.Greeting(), fmt.Errorf("%s: %w", render.Safe(addr.String()), err)
	}
	return live, c.Greeting(), nil
}

func runEventsLive(ctx context.Context, s *Streams, o *eventsOptions) error {
	live, g, err := fetchLiveSchema(ctx, o.live, o.timeout)
	if err != nil {
		return err
	}
	cat := decode.Builtin()
	d := decode.DiffSchemas(cat, live, g.Version)
	if o.output == "json" {
		return writeLiveJSON(s.Out, live, g, d)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "QEMU %s at %s reports %d events.\n\n", g.Version, o.live, len(live.Events()))
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tFIELDS\tIN CATALOG")
	for _, e := range live.Events() {
		in := "yes"
		if cat.Lookup(e.Name) == nil {
			in = "no"
		}
		names := make([]string, len(e.Fields))
		for i, f := range e.Fields {
			names[i] = render.Safe(f.Name)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", render.Safe(e.Name), strings.Join(names, ","), in)
	}
	tw.Flush()
	list := func(title string, names []string) {
		if len(names) > 0 {
			safe := make([]string, len(names))
			for i, n := range names {
				safe[i] = render.Safe(n)
			}
			fmt.Fprintf(&b, "\n%s (%d):\n  %s\n", title, len(names), strings.Join(safe, "\n  "))
		}
	}
	list("Catalog events this QEMU build lacks", d.Missing)
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
	return writeErr(err)
}

func writeLiveJSON(w io.Writer, live *decode.Catalog, g conn.Greeting, d decode.SchemaDiff) error {
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
	return writeErr(err)
}
