package cmdutil

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/qmpwatch/qmpwatch/internal/pipeline"
)

// EventOptions are the flags of every command that reads events (watch,
// replay, sessions, jobs): what to check, what to keep, how to print.
type EventOptions struct {
	// Output
	Output       string
	Color        string
	TimeMode     string
	Label        string
	Verbose      bool
	Annotate     bool // json: add "cause" to documented follow-ups
	Template     string
	TemplateFile string

	// filters
	Events   []string
	Excludes []string
	Wheres   []string
	Filter   string
	JQ       string
	Count    int
	Until    string
	Timeout  time.Duration

	// Schema
	Schema string
	Strict bool

	// Sinks are outputs beside stdout that the command started (--otlp);
	// not a flag.
	Sinks []pipeline.Sink
}

func AddOutputFlags(fs *pflag.FlagSet, o *EventOptions) {
	AddOutputFlag(fs, &o.Output, "output format: pretty, json, table, template (default: pretty on a terminal, json otherwise)", "pretty", "json", "table", "template")
	AddColorFlag(fs, &o.Color)
	AddTimeFlag(fs, &o.TimeMode)
	fs.StringVar(&o.Label, "label", "", "name the VM NAME in the output instead of its -name")
	fs.BoolVarP(&o.Verbose, "verbose", "v", false, "pretty: add every field")
	fs.BoolVar(&o.Annotate, "annotate", false, `json: add a "cause" member to events that follow from an earlier one (a STOP after a disk error)`)
	fs.StringVar(&o.Template, "template", "", "Go template for each event (implies -o template)")
	fs.StringVar(&o.TemplateFile, "template-file", "", "read the template from FILE (implies -o template)")
}

func AddFilterFlags(fs *pflag.FlagSet, o *EventOptions) {
	fs.StringSliceVarP(&o.Events, "event", "e", nil, "keep events whose name matches a glob, case-insensitive (repeat or comma-separate for any of)")
	fs.StringSliceVarP(&o.Excludes, "exclude", "x", nil, "drop events whose name matches a glob")
	fs.StringArrayVarP(&o.Wheres, "where", "w", nil, "keep events whose data matches PATH OP VALUE, e.g. client.channel-type==1 (repeat: all must hold)")
	fs.StringVarP(&o.Filter, "filter", "f", "", "keep events for which this jq expression yields a true value")
	fs.StringVar(&o.JQ, "jq", "", "print the results of this jq expression instead of the events")
	fs.IntVarP(&o.Count, "count", "n", 0, "exit 0 after N events have passed the filters")
	fs.StringVar(&o.Until, "until", "", "exit 0 after the first passing event whose name matches this glob")
	fs.DurationVar(&o.Timeout, "timeout", 0, "with --count or --until: exit 4 if not reached within this time")
}

func AddSchemaFlags(fs *pflag.FlagSet, o *EventOptions) {
	fs.Var(NewEnum(&o.Schema, "auto", "auto", "builtin", "live"), "schema", "validate against: auto (live when the monitor provides it), builtin, live")
	fs.BoolVar(&o.Strict, "strict", false, "exit 1 on the first schema violation")
}

// enumValue is a string flag that only takes one of a fixed set of values,
// so a typo fails at parse time with the choices spelled out.
type enumValue struct {
	p       *string
	choices []string
}

func NewEnum(p *string, def string, choices ...string) *enumValue {
	*p = def
	return &enumValue{p: p, choices: choices}
}

// values are the values the flag takes, for completion.
func (e *enumValue) Values() []string { return e.choices }

func (e *enumValue) String() string { return *e.p }
func (e *enumValue) Type() string   { return "string" }
func (e *enumValue) Set(s string) error {
	for _, c := range e.choices {
		if s == c {
			*e.p = s
			return nil
		}
	}
	return fmt.Errorf("want one of %s", strings.Join(e.choices, ", "))
}

// fileModeValue is an octal permission flag (--socket-mode 0660).
type fileModeValue struct{ p *os.FileMode }

func NewFileMode(p *os.FileMode, def os.FileMode) *fileModeValue {
	*p = def
	return &fileModeValue{p: p}
}

func (m *fileModeValue) String() string { return fmt.Sprintf("%04o", uint32(*m.p)) }
func (m *fileModeValue) Type() string   { return "mode" }
func (m *fileModeValue) Set(s string) error {
	n, err := strconv.ParseUint(s, 8, 32)
	if err != nil || n == 0 || n > 0o777 {
		return fmt.Errorf("want permissions in octal, 0001 to 0777, e.g. 0660")
	}
	*m.p = os.FileMode(n)
	return nil
}

// AddQueryTimeoutFlag is --query-timeout, for every command that asks
// monitors anything: a monitor that never answers delays a VM by this much
// at most, and the VM is then watched without the answer.
func AddQueryTimeoutFlag(fs *pflag.FlagSet, d *time.Duration) {
	fs.DurationVar(d, "query-timeout", 10*time.Second, "how long to wait for the reply to each query qmpwatch sends (query-name, query-status, query-qmp-schema, query-block-jobs, ...)")
}
