package main

import (
	"bufio"
	"errors"
	"io"
	"os"
	"syscall"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// pipeline is the path every event takes, whatever its source:
// filter → validate → render → write. Output is buffered and flushed
// whenever the source has nothing more ready, so a live tail never stalls
// and a big replay is not one syscall per event.
type pipeline struct {
	o      *eventOptions
	out    *bufio.Writer
	errOut io.Writer
	r      render.Renderer
	buf    []byte
	passed int

	// schema checks each event against the schema (validation.go).
	schema *schemaChecker
	// rec, when set, records every event before any check (watch --record).
	rec *recorder
	// causes links follow-ups to their cause (status.go: observeCause).
	causes *track.Causes
	// causesShown: the output can show a cause (not plain json, or json
	// with --annotate); otherwise nothing needs to track them.
	causesShown bool
	// readsData: the output decodes every event's data (pretty, table,
	// template), so readers may decode it ahead, in parallel.
	readsData bool

	filterState // filters.go: -e/-x/-w/-f/--jq, --count, --until, --timeout
}

// newPipeline compiles everything the options describe, before any
// connection is made, so bad expressions fail fast with their exit code.
func newPipeline(s *Streams, o *eventOptions, showVM bool) (*pipeline, error) {
	ro, err := outputOptions(s, o, showVM)
	if err != nil {
		return nil, err
	}
	r, err := render.New(ro)
	if err != nil {
		return nil, withCode(exitExpr, err)
	}
	fs, err := newFilterState(s, o)
	if err != nil {
		return nil, err
	}
	p := &pipeline{
		o:           o,
		out:         bufio.NewWriterSize(s.Out, 64<<10),
		errOut:      s.ErrOut,
		r:           r,
		schema:      newSchemaChecker(o, s.ErrOut),
		filterState: fs,
	}
	p.causesShown = (ro.Format != "json" || o.annotate) && !p.f.HasTransform()
	p.readsData = ro.Format != "json" || p.f.HasTransform()
	return p, nil
}

// emit sends one event through. done is true when --count or --until is
// reached.
func (p *pipeline) emit(ev *decode.Event) (done bool, err error) {
	if p.causesShown {
		p.observeCause(ev) // before any filter: a dropped cause still explains
	}
	if p.rec != nil {
		if err := p.rec.record(ev); err != nil {
			return true, err
		}
	}
	// The name check comes before anything that decodes the data: an event
	// refused by name is never decoded.
	if !p.f.NameOK(ev.Name) {
		return false, nil
	}
	ok, err := p.keepEvent(ev) // filters.go
	if err != nil || !ok {
		return false, err
	}
	// The schema is checked for the events shown, in watch as in replay,
	// whose readers drop filtered events before anything else.
	if err := p.schema.check(ev); err != nil {
		return true, err
	}
	if p.f.HasTransform() {
		p.buf = p.appendResults(p.buf[:0])
	} else if p.buf, err = p.r.Render(p.buf[:0], ev); err != nil {
		return true, renderError(err)
	}
	if _, err := p.out.Write(p.buf); err != nil {
		return true, writeErr(err)
	}
	p.passed++
	return p.finished(ev), nil
}

// flush writes out what is buffered.
func (p *pipeline) flush() error {
	if p.rec != nil {
		if err := p.rec.flush(); err != nil {
			return err
		}
	}
	return writeErr(p.out.Flush())
}

// writeErr turns a vanished reader (| head) into errPipe, a quiet end.
func writeErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, syscall.EPIPE) || errors.Is(err, os.ErrClosed) {
		return errPipe
	}
	return err
}

// causeNames are the events that take part in a documented follow-up, as
// cause or as consequence: the cause tracker must see them even when the
// filters drop them.
var causeNames = func() map[string]bool {
	m := map[string]bool{}
	for _, spec := range decode.Builtin().Events() {
		for _, f := range spec.FollowUps {
			m[spec.Name], m[f.Then] = true, true
		}
	}
	return m
}()

// unwanted reports whether an event can be dropped before it is even
// validated: the filters are sure to refuse it (by name, --where, or a
// simple -f) and no cause needs it. Readers call it from their own
// goroutine; it only reads.
func (p *pipeline) unwanted(name string, data []byte) bool {
	return p.rec == nil && !(p.causesShown && causeNames[name]) && p.f.RejectsRaw(name, data)
}
