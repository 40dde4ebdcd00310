package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/filter"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/nearest"
)

type eventsOptions struct {
	output  string // "" is table: the catalog reads the same in a pipe
	live    string
	timeout time.Duration
}

func newEventsCmd(a *app) *cobra.Command {
	o := &eventsOptions{}
	cmd := &cobra.Command{
		Use:         "events [NAME|PATTERN]",
		Annotations: cmdutil.Annotate(cmdutil.ArgsEvent),
		Short:       "List the QMP events qmpwatch knows, or compare with a running QEMU",
		Long: `Without arguments, list every QMP event of the builtin catalog: its name, the
QEMU version that introduced it, and what it means. With NAME (any case), show
one event in full: its fields with types and docs, the events QEMU documents as
following it, whether QEMU rate-limits it, and an example. With a PATTERN
(BLOCK_JOB_*, any case, as -e reads it), list the events it matches.

With --live ADDRESS, ask a running QEMU for its own schema (query-qmp-schema)
and show how it differs from the catalog: events this build lacks (SPICE_*
without SPICE support, say), events introduced after its version, and events,
fields or enum values that the catalog does not know.`,
		Example: `  qmpwatch events
  qmpwatch events block_io_error
  qmpwatch events 'BLOCK_JOB_*'
  qmpwatch events -o json | jq -r 'select(.rate_limited) | .name'
  qmpwatch events --live /run/vm1.qmp`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.live != "" {
				if len(args) > 0 {
					return exitcode.Usagef("--live takes no event name")
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
	cmdutil.AddOutputFlag(fs, &o.output, "output format: table (pretty is the same), json (one object a line)", "table", "json")
	fs.StringVar(&o.live, "live", "", "compare the catalog with the schema of the QEMU at ADDRESS")
	fs.DurationVar(&o.timeout, "greeting-timeout", 5*time.Second, "with --live: how long to wait for QEMU's greeting")
	return cmd
}

func runEventsList(s *iostreams.Streams, o *eventsOptions) error {
	cat := decode.Builtin()
	if err := decode.BuiltinError(); err != nil {
		return fmt.Errorf("builtin catalog: %w", err)
	}
	return writeEventsTable(s, o, cat.Events())
}

// writeEventsTable writes the catalog's rows of events (the list, or the
// events a glob matched).
func writeEventsTable(s *iostreams.Streams, o *eventsOptions, events []*decode.EventSpec) error {
	if o.output == "json" {
		return writeEventsJSON(s.Out, events)
	}
	tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSINCE\tDESCRIPTION")
	for _, e := range events {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Name, sinceText(e), e.Doc)
	}
	return exitcode.WriteErr(tw.Flush())
}

func sinceText(e *decode.EventSpec) string {
	if e.Own {
		return "qmpwatch"
	}
	if e.Removed.Known() {
		return shortVersion(e.Since) + "-" + shortVersion(e.Removed)
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

func writeEventsJSON(w io.Writer, events []*decode.EventSpec) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, e := range events {
		if err := enc.Encode(decode.Describe(e)); err != nil {
			return exitcode.WriteErr(err)
		}
	}
	return nil
}

func runEventShow(s *iostreams.Streams, o *eventsOptions, name string) error {
	cat := decode.Builtin()
	if strings.ContainsAny(name, `*?[`) {
		return runEventsGlob(s, o, name)
	}
	e := cat.Lookup(strings.ToUpper(name))
	if e == nil {
		var names []string
		for _, e := range cat.Events() {
			names = append(names, e.Name)
		}
		if near := nearest.Typo(strings.ToUpper(name), names); near != "" {
			return exitcode.Usagef("unknown event %q; did you mean %s?", name, near)
		}
		return exitcode.Usagef("unknown event %q (qmpwatch events lists them)", name)
	}
	if o.output == "json" {
		return writeEventsJSON(s.Out, []*decode.EventSpec{e})
	}
	return exitcode.WriteErr(decode.WriteEventText(s.Out, e))
}

// runEventsGlob lists the events a pattern matches, as -e reads it
// (events 'BLOCK_JOB_*').
func runEventsGlob(s *iostreams.Streams, o *eventsOptions, pattern string) error {
	g, err := filter.CompileGlobs([]string{pattern})
	if err != nil {
		return exitcode.Usagef("%v", err)
	}
	var match []*decode.EventSpec
	for _, e := range decode.Builtin().Events() {
		if g.Match(e.Name) {
			match = append(match, e)
		}
	}
	if len(match) == 0 {
		return exitcode.Usagef("no event matches %q (qmpwatch events lists them)", pattern)
	}
	return writeEventsTable(s, o, match)
}
