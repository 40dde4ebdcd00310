package main

import (
	"os"

	"github.com/qmpwatch/qmpwatch/internal/filter"
	"github.com/qmpwatch/qmpwatch/internal/pipeline"
	"github.com/qmpwatch/qmpwatch/internal/render"
)

// outputOptions turns the output flags into render options for stdout:
// the format (pretty on a terminal, json in a pipe, template when a
// template is given), the template's text, and stdout's own colour choice.
func outputOptions(s *Streams, o *eventOptions, showVM bool) (render.Options, error) {
	format := o.output
	tmpl := o.template
	if o.template != "" && o.tmplFile != "" {
		return render.Options{}, usageErrorf("give --template or --template-file, not both")
	}
	if o.tmplFile != "" {
		b, err := os.ReadFile(o.tmplFile)
		if err != nil {
			return render.Options{}, usageErrorf("--template-file: %w", err)
		}
		tmpl = string(b)
	}
	if o.template != "" || o.tmplFile != "" {
		if format != "" && format != "template" {
			return render.Options{}, usageErrorf("--template goes with -o template, not -o %s", format)
		}
		format = "template"
	}
	if format == "template" && tmpl == "" {
		return render.Options{}, usageErrorf("-o template needs --template or --template-file")
	}
	if format == "" {
		format = "json"
		if s.OutTTY {
			format = "pretty"
		}
	}
	out, _ := palettes(s, o.color, os.Getenv)
	return render.Options{
		Format:   format,
		Template: tmpl,
		Palette:  out,
		Time:     o.timeMode,
		Verbose:  o.verbose,
		Annotate: o.annotate,
		ShowVM:   showVM || o.label != "",
		Width:    s.Width,
	}, nil
}

// palettes decides colour for stdout and stderr separately: a terminal on
// one and a pipe on the other get different answers under --color auto.
func palettes(s *Streams, mode string, getenv func(string) string) (out, errOut render.Palette) {
	return render.NewPalette(render.ColorEnabled(mode, s.OutTTY, getenv)),
		render.NewPalette(render.ColorEnabled(mode, s.ErrTTY, getenv))
}

// engineOptions turns the event flags into the engine's options, writing
// to s. showVM puts each event's VM in the output (many sources).
func engineOptions(s *Streams, o *eventOptions, showVM bool) (pipeline.Options, error) {
	ro, err := outputOptions(s, o, showVM)
	if err != nil {
		return pipeline.Options{}, err
	}
	return pipeline.Options{
		Out:     s.Out,
		ErrOut:  s.ErrOut,
		Notices: s.notices(),
		OutTTY:  s.OutTTY,
		Render:  ro,
		Filter:  filter.Spec{Events: o.events, Excludes: o.excludes, Wheres: o.wheres, Filter: o.filter, JQ: o.jq},
		Count:   o.count,
		Until:   o.until,
		Timeout: o.timeout,
		Schema:  o.schema,
		Strict:  o.strict,
		Sinks:   o.sinks,
	}, nil
}

// newPipeline builds the engine for the event flags.
func newPipeline(s *Streams, o *eventOptions, showVM bool, record string, hooks ...func(*pipeline.Options)) (*pipeline.Pipeline, error) {
	po, err := engineOptions(s, o, showVM)
	if err != nil {
		return nil, err
	}
	po.Record = record
	for _, h := range hooks {
		h(&po) // e.g. watch --publish's tee (fleet.go)
	}
	return pipeline.New(po)
}
