package cmdutil

import (
	"os"

	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/filter"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/pipeline"
	"github.com/qmpwatch/qmpwatch/internal/render"
)

// OutputOptions turns the output flags into render options for stdout:
// the format (pretty on a terminal, json in a pipe, template when a
// template is given), the template's text, and stdout's own colour choice.
func OutputOptions(s *iostreams.Streams, o *EventOptions, showVM bool) (render.Options, error) {
	format := o.Output
	tmpl := o.Template
	if o.Template != "" && o.TemplateFile != "" {
		return render.Options{}, exitcode.Usagef("give --template or --template-file, not both")
	}
	if o.TemplateFile != "" {
		b, err := os.ReadFile(o.TemplateFile)
		if err != nil {
			return render.Options{}, exitcode.Usagef("--template-file: %w", err)
		}
		tmpl = string(b)
	}
	if o.Template != "" || o.TemplateFile != "" {
		if format != "" && format != "template" {
			return render.Options{}, exitcode.Usagef("--template goes with -o template, not -o %s", format)
		}
		format = "template"
	}
	if format == "template" && tmpl == "" {
		return render.Options{}, exitcode.Usagef("-o template needs --template or --template-file")
	}
	if format == "" {
		format = "json"
		if s.OutTTY {
			format = "pretty"
		}
	}
	out, _ := Palettes(s, o.Color, os.Getenv)
	return render.Options{
		Format:   format,
		Template: tmpl,
		Palette:  out,
		Time:     o.TimeMode,
		Verbose:  o.Verbose,
		Annotate: o.Annotate,
		ShowVM:   showVM || o.Label != "",
		Width:    s.Width,
	}, nil
}

// Palettes decides colour for stdout and stderr separately: a terminal on
// one and a pipe on the other get different answers under --color auto.
func Palettes(s *iostreams.Streams, mode string, getenv func(string) string) (out, errOut render.Palette) {
	return render.NewPalette(render.ColorEnabled(mode, s.OutTTY, getenv)),
		render.NewPalette(render.ColorEnabled(mode, s.ErrTTY, getenv))
}

// EngineOptions turns the event flags into the engine's options, writing
// to s. showVM puts each event's VM in the output (many sources).
func EngineOptions(s *iostreams.Streams, o *EventOptions, showVM bool) (pipeline.Options, error) {
	ro, err := OutputOptions(s, o, showVM)
	if err != nil {
		return pipeline.Options{}, err
	}
	return pipeline.Options{
		Out:     s.Out,
		ErrOut:  s.ErrOut,
		Notices: s.Notices(),
		OutTTY:  s.OutTTY,
		Render:  ro,
		Filter:  filter.Spec{Events: o.Events, Excludes: o.Excludes, Wheres: o.Wheres, Filter: o.Filter, JQ: o.JQ},
		Count:   o.Count,
		Until:   o.Until,
		Timeout: o.Timeout,
		Schema:  o.Schema,
		Strict:  o.Strict,
		Sinks:   o.Sinks,
	}, nil
}

// NewPipeline builds the engine for the event flags.
func NewPipeline(s *iostreams.Streams, o *EventOptions, showVM bool, record string, hooks ...func(*pipeline.Options)) (*pipeline.Pipeline, error) {
	po, err := EngineOptions(s, o, showVM)
	if err != nil {
		return nil, err
	}
	po.Record = record
	for _, h := range hooks {
		h(&po) // e.g. watch --publish's tee (run/watch.go)
	}
	return pipeline.New(po)
}

// Check checks the event flags for s as NewPipeline would (output format,
// template tried on a sample event, filters), opening nothing.
func (o *EventOptions) Check(s *iostreams.Streams, showVM bool) error {
	po, err := EngineOptions(s, o, showVM)
	if err != nil {
		return err
	}
	return pipeline.Check(po)
}
