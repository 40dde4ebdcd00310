package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/filter"
	"github.com/qmpwatch/qmpwatch/internal/render"
)

// maxRunErrors bounds how many jq run-time errors are reported: one bad
// expression on a flood of events must not flood stderr as well.
const maxRunErrors = 5

// filterState is the pipeline's filter stage: the compiled filters, and the
// bookkeeping of --count, --until and --timeout.
type filterState struct {
	f       *filter.Set
	until   *filter.Globs // nil without --until
	results []any         // --jq results of the event being emitted
	reached bool          // --count or --until was reached
	runErrs int
	termOut bool // stdout is a terminal: escape --jq output
	ctx     context.Context
	clock   *time.Timer
	errW    io.Writer
}

// newFilterState compiles the filter flags, before any connection is made.
// A malformed --where or glob is a usage error (2), a bad jq expression a
// bad-expression error (3). Patterns and paths that no known event can
// match get a warning on stderr, and the command goes on.
func newFilterState(s *Streams, o *eventOptions) (filterState, error) {
	fs := filterState{termOut: s.OutTTY, ctx: context.Background(), errW: s.ErrOut}
	if o.count < 0 {
		return fs, usageErrorf("--count must be positive, got %d", o.count)
	}
	if o.timeout < 0 {
		return fs, usageErrorf("--timeout must be positive, got %s", o.timeout)
	}
	if o.timeout > 0 && o.count == 0 && o.until == "" {
		return fs, usageErrorf("--timeout needs --count or --until: it bounds the wait for them")
	}
	f, err := filter.Compile(filter.Spec{
		Events: o.events, Excludes: o.excludes, Wheres: o.wheres, Filter: o.filter, JQ: o.jq,
	})
	var ee *filter.ExprError
	switch {
	case errors.As(err, &ee):
		return fs, withCode(exitExpr, err)
	case err != nil:
		return fs, withCode(exitUsage, err)
	}
	fs.f = f
	warnings := f.Warnings(decode.Builtin())
	if o.until != "" {
		if fs.until, err = filter.CompileGlobs([]string{o.until}); err != nil {
			return fs, withCode(exitUsage, fmt.Errorf("--until: %w", err))
		}
		if fs.until.Empty() {
			return fs, usageErrorf("--until needs an event name pattern")
		}
		warnings = append(warnings, filter.GlobWarnings("--until", fs.until, decode.Builtin())...)
	}
	for _, w := range warnings {
		fmt.Fprintf(s.ErrOut, "qmpwatch: warning: %s\n", w)
	}
	return fs, nil
}

// keepEvent is the pipeline's keep hook: --where, -f and --jq on an event
// whose name passed. A jq error on one event is reported (a few times) and
// drops that event; the stream goes on.
func (p *pipeline) keepEvent(ev *decode.Event) (bool, error) {
	ok, out, err := p.f.Eval(p.ctx, ev)
	p.results = out
	var re *filter.RunError
	if errors.As(err, &re) {
		if errors.Is(err, context.Canceled) || p.ctx.Err() != nil {
			return false, nil
		}
		p.runErrs++
		if p.runErrs <= maxRunErrors {
			fmt.Fprintf(p.errW, "qmpwatch: %s\n", render.Safe(re.Error()))
		}
		if p.runErrs == maxRunErrors {
			fmt.Fprintln(p.errW, "qmpwatch: further jq errors are not shown")
		}
		return false, nil
	}
	return ok, err
}

// appendResults writes the --jq results, one per line.
func (p *pipeline) appendResults(dst []byte) []byte {
	for _, v := range p.results {
		if !p.termOut {
			dst = filter.AppendResult(dst, v)
			continue
		}
		line := filter.AppendResult(nil, v)
		dst = render.AppendSafe(dst, string(line[:len(line)-1]))
		dst = append(dst, '\n')
	}
	return dst
}

// finished reports whether the event just written ends the run: it is the
// --count'th, or its name matches --until.
func (p *pipeline) finished(ev *decode.Event) bool {
	if p.until != nil && p.until.Match(ev.Name) || p.o.count > 0 && p.passed >= p.o.count {
		p.reached = true
	}
	return p.reached
}

// awaiting reports whether the run waits for something (--count, --until).
func (p *pipeline) awaiting() bool { return p.o.count > 0 || p.until != nil }

// startClock begins a run: jq runs under ctx, and the --timeout clock starts.
func (p *pipeline) startClock(ctx context.Context) {
	p.ctx = ctx
	if p.o.timeout > 0 && p.awaiting() {
		p.clock = time.NewTimer(p.o.timeout)
	}
}

// stopClock releases the timer.
func (p *pipeline) stopClock() {
	if p.clock != nil {
		p.clock.Stop()
	}
}

// expired fires when --timeout passes; nil (never) without one.
func (p *pipeline) expired() <-chan time.Time {
	if p.clock == nil {
		return nil
	}
	return p.clock.C
}

// timeoutErr says what did not arrive in time: exit 4.
func (p *pipeline) timeoutErr() error {
	return withCode(exitTimeout, fmt.Errorf("timeout: %s within %s", p.missing(), p.o.timeout))
}

// endErr is the verdict when the stream ends: exit 4 when --count or
// --until was still waiting, nil otherwise.
func (p *pipeline) endErr() error {
	if !p.awaiting() || p.reached {
		return nil
	}
	switch {
	case p.o.count > 0 && p.until != nil:
		return withCode(exitTimeout, fmt.Errorf("stream ended after %d of %d events, before %s", p.passed, p.o.count, p.untilText()))
	case p.o.count > 0:
		return withCode(exitTimeout, fmt.Errorf("stream ended after %d of %d events", p.passed, p.o.count))
	}
	return withCode(exitTimeout, fmt.Errorf("stream ended before %s", p.untilText()))
}

func (p *pipeline) missing() string {
	switch {
	case p.o.count > 0 && p.until != nil:
		return fmt.Sprintf("%d of %d events and no %s", p.passed, p.o.count, p.untilText())
	case p.o.count > 0:
		return fmt.Sprintf("%d of %d events", p.passed, p.o.count)
	}
	return "no " + p.untilText()
}

func (p *pipeline) untilText() string { return strings.Join(p.until.List(), ",") }
