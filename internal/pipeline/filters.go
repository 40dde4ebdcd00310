package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/filter"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/safe"
)

// MaxRunErrors bounds how many jq run-time errors are reported: one bad
// expression on a flood of events must not flood stderr as well.
const MaxRunErrors = 5

// filters is the pipeline's filter stage: the compiled filters, and the
// bookkeeping of --count, --until and --timeout (limits.go).
type filters struct {
	f       *filter.Set
	until   *filter.Globs // nil without --until
	results []any         // --jq results of the event being emitted
	reached bool          // --count or --until was reached
	runErrs int
	errW    io.Writer
}

// newFilters compiles the filters, before any connection is made. A
// malformed --where or glob is a usage error (2), a bad jq expression a
// bad-expression error (3). Patterns and paths that no known event can
// match get a warning on stderr, and the run goes on.
func newFilters(o *Options) (filters, error) {
	fs := filters{errW: o.ErrOut}
	notices := o.Notices
	if notices == nil {
		notices = o.ErrOut
	}
	if o.Count < 0 {
		return fs, exitcode.Usagef("--count must be positive, got %d", o.Count)
	}
	if o.Timeout < 0 {
		return fs, exitcode.Usagef("--timeout must be positive, got %s", o.Timeout)
	}
	if o.Timeout > 0 && o.Count == 0 && o.Until == "" {
		return fs, exitcode.Usagef("--timeout needs --count or --until: it bounds the wait for them")
	}
	f, err := filter.Compile(o.Filter)
	if err != nil {
		if o.Filter.Filter != "" && strings.Contains(err.Error(), "--filter") {
			err = filterHint(o.Filter.Filter, err)
		}
		return fs, asExpr(err)
	}
	fs.f = f
	warnings := f.Warnings(decode.Builtin())
	if o.Until != "" {
		if err := untilAsTime(o.Until); err != nil {
			return fs, err
		}
		if fs.until, err = filter.CompileGlobs([]string{o.Until}); err != nil {
			return fs, exitcode.With(exitcode.Usage, fmt.Errorf("--until: %w", err))
		}
		if fs.until.Empty() {
			return fs, exitcode.Usagef("--until needs an event name pattern")
		}
		warnings = append(warnings, filter.GlobWarnings("--until", fs.until, decode.Builtin())...)
	}
	for _, w := range warnings {
		fmt.Fprintf(notices, "qmpwatch: warning: %s\n", w)
	}
	return fs, nil
}

// keep runs --where, -f and --jq on an event whose name passed. A jq error
// on one event is reported (a few times) and drops that event; the stream
// goes on. jq runs under ctx.
func (fs *filters) keep(ctx context.Context, ev *decode.Event) (bool, error) {
	ok, out, err := fs.f.Eval(ctx, ev)
	fs.results = out
	var re *filter.RunError
	if errors.As(err, &re) {
		if errors.Is(err, context.Canceled) || ctx.Err() != nil {
			return false, nil
		}
		fs.runErrs++
		if fs.runErrs <= MaxRunErrors {
			fmt.Fprintf(fs.errW, "qmpwatch: %s\n", safe.String(re.Error()))
		}
		if fs.runErrs == MaxRunErrors {
			fmt.Fprintln(fs.errW, "qmpwatch: further jq errors are not shown")
		}
		return false, nil
	}
	return ok, err
}

// appendResults writes the --jq results, one per line, escaped when
// they go to a terminal.
func (fs *filters) appendResults(dst []byte, escape bool) []byte {
	for _, v := range fs.results {
		if !escape {
			dst = filter.AppendResult(dst, v)
			continue
		}
		line := filter.AppendResult(nil, v)
		dst = render.AppendSafe(dst, string(line[:len(line)-1]))
		dst = append(dst, '\n')
	}
	return dst
}
