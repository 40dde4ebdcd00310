package run

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/filter"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/nearest"
)

// EventsOptions are the events command's flags and its one argument.
type EventsOptions struct {
	Output  string // "" is table: the catalog reads the same in a pipe
	Live    string // --live ADDRESS
	Timeout time.Duration
	Name    string // NAME or PATTERN, "" for the whole catalog

	live  conn.Addr           // --live, parsed by Validate
	event *decode.EventSpec   // NAME, found by Validate
	match []*decode.EventSpec // PATTERN's events, found by Validate
}

// Validate checks the command line against the builtin catalog: an
// unknown NAME or a PATTERN that matches nothing is a usage error. It
// opens nothing.
func (o *EventsOptions) Validate() error {
	if o.Live != "" {
		if o.Name != "" {
			return exitcode.Usagef("--live takes no event name")
		}
		if err := cmdutil.NoLibvirt(o.Live, "--live"); err != nil {
			return err
		}
		addr, err := conn.ParseAddr(o.Live)
		if err != nil {
			return err // coded: a usage error
		}
		o.live = addr
		return nil
	}
	switch {
	case o.Name == "":
		return nil
	case strings.ContainsAny(o.Name, `*?[`):
		return o.validateGlob()
	}
	cat := decode.Builtin()
	if o.event = cat.Lookup(strings.ToUpper(o.Name)); o.event != nil {
		return nil
	}
	var names []string
	for _, e := range cat.Events() {
		names = append(names, e.Name)
	}
	if near := nearest.Typo(strings.ToUpper(o.Name), names); near != "" {
		return exitcode.Usagef("unknown event %q; did you mean %s?", o.Name, near)
	}
	return exitcode.Usagef("unknown event %q (qmpwatch events lists them)", o.Name)
}

// validateGlob finds the events a pattern matches, as -e reads it
// (events 'BLOCK_JOB_*').
func (o *EventsOptions) validateGlob() error {
	g, err := filter.CompileGlobs([]string{o.Name})
	if err != nil {
		return exitcode.Usagef("%v", err)
	}
	for _, e := range decode.Builtin().Events() {
		if g.Match(e.Name) {
			o.match = append(o.match, e)
		}
	}
	if len(o.match) == 0 {
		return exitcode.Usagef("no event matches %q (qmpwatch events lists them)", o.Name)
	}
	return nil
}

// Events writes the catalog, one event, the events of a pattern, or
// (--live) how a running QEMU's schema differs from the catalog.
func Events(ctx context.Context, s *iostreams.Streams, o *EventsOptions) error {
	switch {
	case o.Live != "":
		return eventsLive(ctx, s, o)
	case o.event != nil:
		if o.Output == "json" {
			return eventsWriteJSON(s.Out, []*decode.EventSpec{o.event})
		}
		return exitcode.WriteErr(decode.WriteEventText(s.Out, o.event))
	case o.match != nil:
		return eventsWriteTable(s, o, o.match)
	}
	cat := decode.Builtin()
	if err := decode.BuiltinError(); err != nil {
		return fmt.Errorf("builtin catalog: %w", err)
	}
	return eventsWriteTable(s, o, cat.Events())
}

// eventsWriteTable writes the catalog's rows of events (the list, or the
// events a glob matched).
func eventsWriteTable(s *iostreams.Streams, o *EventsOptions, events []*decode.EventSpec) error {
	if o.Output == "json" {
		return eventsWriteJSON(s.Out, events)
	}
	tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSINCE\tDESCRIPTION")
	for _, e := range events {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Name, eventsSince(e), e.Doc)
	}
	return exitcode.WriteErr(tw.Flush())
}

func eventsSince(e *decode.EventSpec) string {
	if e.Own {
		return "qmpwatch"
	}
	if e.Removed.Known() {
		return eventsShortVersion(e.Since) + "-" + eventsShortVersion(e.Removed)
	}
	return eventsShortVersion(e.Since)
}

// eventsShortVersion prints 7.2 rather than 7.2.0.
func eventsShortVersion(v decode.Version) string {
	if !v.Known() {
		return "-"
	}
	if v.Micro == 0 {
		return fmt.Sprintf("%d.%d", v.Major, v.Minor)
	}
	return v.String()
}

func eventsWriteJSON(w io.Writer, events []*decode.EventSpec) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, e := range events {
		if err := enc.Encode(decode.Describe(e)); err != nil {
			return exitcode.WriteErr(err)
		}
	}
	return nil
}
