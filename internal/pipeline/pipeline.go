package pipeline

import (
	"bufio"
	"context"
	"fmt"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// Pipeline is the path every event takes, whatever its source:
// cause → record → filter → validate → render → write. Output is buffered
// and flushed whenever the source has nothing more ready, so a live tail
// never stalls and a big replay is not one syscall per event.
type Pipeline struct {
	o      Options
	out    *bufio.Writer
	r      render.Renderer
	buf    []byte
	passed int

	// schema checks each event against the schema (schema.go).
	schema *schemaChecker
	// rec, when set, records every event before any check (record.go).
	rec *recorder
	// born is when New ran: --timeout counts from there (Deadline).
	born time.Time
	// causes links follow-ups to their cause; nil when the output cannot
	// show a cause (plain json without --annotate, or --jq).
	causes *track.Causes
	// readsData: the output decodes every event's data (pretty, table,
	// template), so readers may decode it ahead, in parallel.
	readsData bool

	filters // filters.go: -e/-x/-w/-f/--jq, --count, --until, --timeout
}

// New compiles everything the options describe, before any connection is
// made, so bad expressions fail fast with their exit code, and opens the
// recording. Close the Pipeline when done.
func New(o Options) (*Pipeline, error) {
	r, err := render.New(o.Render)
	if err != nil {
		return nil, exitcode.With(exitcode.Expr, err)
	}
	fs, err := newFilters(&o)
	if err != nil {
		return nil, err
	}
	p := &Pipeline{
		born:    time.Now(),
		o:       o,
		out:     bufio.NewWriterSize(o.Out, 64<<10),
		r:       r,
		schema:  newSchemaChecker(o.Schema, o.Strict, o.ErrOut),
		filters: fs,
	}
	if (o.Render.Format != "json" || o.Render.Annotate) && !p.f.HasTransform() {
		p.causes = track.NewCauses(decode.Builtin())
	}
	p.readsData = o.Render.Format != "json" || p.f.HasTransform()
	if o.Record != "" {
		if p.rec, err = openRecorder(o.Record); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Check compiles what New would, the output (a template is tried on a
// sample event) and the filters, and opens nothing: a command that must
// open something before it builds its pipeline (demo's socket) checks
// its flags with it first.
func Check(o Options) error {
	if _, err := render.New(o.Render); err != nil {
		return exitcode.With(exitcode.Expr, err)
	}
	_, err := newFilters(&o)
	return err
}

// Close flushes and closes the recording, if any.
func (p *Pipeline) Close() error {
	if p.rec == nil {
		return nil
	}
	return p.rec.close()
}

// Emit sends one event through. done is true when --count or --until is
// reached. ctx bounds the --jq and -f expressions.
func (p *Pipeline) Emit(ctx context.Context, ev *decode.Event) (done bool, err error) {
	if p.causes != nil {
		// Before any filter: a dropped cause still explains (a STOP after
		// a BLOCK_IO_ERROR with action stop).
		p.causes.Observe(ev)
	}
	if p.rec != nil {
		if rerr := p.rec.record(ev); rerr != nil {
			// The event was received all the same: it is still shown,
			// then the run ends with the record's error.
			defer func() {
				if err == nil {
					done, err = true, rerr
				}
			}()
		}
	}
	if p.o.Tee != nil {
		p.o.Tee(ev)
	}
	// The name check comes before anything that decodes the data: an event
	// refused by name is never decoded.
	if !p.f.NameOK(ev.Name) {
		return false, nil
	}
	ok, err := p.keep(ctx, ev)
	if err != nil || !ok {
		return false, err
	}
	// The schema is checked for the events shown, in watch as in replay,
	// whose readers drop filtered events before anything else; serve has
	// checked every event already (Check), and the result stands. A
	// --strict violation ends the run, but only after the event is shown:
	// nothing received is lost.
	if !ev.Check.Checked {
		p.schema.validate(ev)
	}
	strictErr := p.schema.report(ev)
	if p.f.HasTransform() {
		p.buf = p.appendResults(p.buf[:0], p.o.OutTTY)
	} else if p.buf, err = p.r.Render(p.buf[:0], ev); err != nil {
		return true, exitcode.With(exitcode.Expr, fmt.Errorf("-o template: %w", err))
	}
	if _, err := p.out.Write(p.buf); err != nil {
		return true, exitcode.WriteErr(err)
	}
	p.passed++
	for _, s := range p.o.Sinks {
		s.Deliver(ev)
	}
	if strictErr != nil {
		return true, strictErr
	}
	return p.finished(ev), nil
}

// Check validates ev as Emit does (filling ev.Check, reporting each
// violation once), for a caller that must judge every event before the
// filters: serve's metrics count violations of events -o json does not
// show, in the sources' own goroutines. Safe for concurrent use; only a
// --strict violation returns an error.
func (p *Pipeline) Check(ev *decode.Event) error { return p.schema.check(ev) }

// Flush writes out what is buffered: stdout first, so that the events
// received reach it even when the record fails. A record's failure wins
// over a closed stdout: it is an error, never a quiet end.
func (p *Pipeline) Flush() error {
	err := exitcode.WriteErr(p.out.Flush())
	if p.rec != nil {
		if rerr := p.rec.flush(); rerr != nil {
			return rerr
		}
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

// Skip returns what a log reader may use to drop events before they are
// even validated (logfile.Options.Skip), or nil when the filters can
// refuse nothing that way. Readers call it from their own goroutine; it
// only reads.
func (p *Pipeline) Skip() func(name string, data []byte) bool {
	if !p.f.CanReject() {
		return nil
	}
	return func(name string, data []byte) bool {
		return p.rec == nil && !(p.causes != nil && causeNames[name]) && p.f.RejectsRaw(name, data)
	}
}

// ReadsData says the output decodes every event's data (pretty, table,
// template, --jq): readers may decode it ahead, in parallel.
func (p *Pipeline) ReadsData() bool { return p.readsData }

// asExpr gives a filter compile error its exit code: a bad jq expression
// is 3, anything else (a malformed --where or glob) is a usage error.
func asExpr(err error) error {
	if exitcode.Of(err) == exitcode.Expr {
		return err
	}
	return exitcode.With(exitcode.Usage, err)
}
