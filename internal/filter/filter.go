// Package filter decides which events pass: by name (shell globs), by field
// (--where PATH OP VALUE on the decoded data), and by jq expression (gojq,
// compiled once). Name checks run on the event's name alone, before its data
// is decoded, and a jq expression is read for the event names it requires,
// so on a flood of events most are dropped without decoding anything.
package filter

import (
	"context"
	"errors"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
)

// Spec is what the user asked for. Every given filter must pass.
type Spec struct {
	Events   []string // keep names matching any glob (case-insensitive; commas separate too)
	Excludes []string // drop names matching any glob
	Wheres   []string // PATH OP VALUE conditions on data, all must hold
	Filter   string   // jq: keep when it yields a value neither false nor null
	JQ       string   // jq: print its results instead of the event
}

// Set is a compiled Spec.
type Set struct {
	events     *Globs
	excludes   *Globs
	wheres     []*Where
	filter     *jqExpr
	fast       fastPred // the -f expression on the event itself; nil: jq only
	fastUsesVM bool     // fast reads .vm, which a raw line may not carry
	jq         *jqExpr
	names      nameSet // from the jq expressions; nil: any name
}

// Compile checks and compiles s. Errors are *WhereError (a malformed
// --where), *ExprError (a jq expression that does not compile) or a bad
// glob; all are found here, before any event is read.
func Compile(s Spec) (*Set, error) {
	f, err := compile(s)
	var ee *ExprError
	if err != nil && !errors.As(err, &ee) {
		// A bad glob or --where is a usage error; an expression error
		// carries its own code (3).
		return nil, exitcode.With(exitcode.Usage, err)
	}
	return f, err
}

func compile(s Spec) (*Set, error) {
	var f Set
	var err error
	if f.events, err = CompileGlobs(s.Events); err != nil {
		return nil, err
	}
	if f.excludes, err = CompileGlobs(s.Excludes); err != nil {
		return nil, err
	}
	for _, w := range s.Wheres {
		cw, err := ParseWhere(w)
		if err != nil {
			return nil, err
		}
		f.wheres = append(f.wheres, cw)
	}
	if s.Filter != "" {
		if f.filter, err = compileJQ("--filter", s.Filter); err != nil {
			return nil, err
		}
		f.names = truthyNames(f.filter.query)
		f.fast = compileFast(f.filter.query)
		f.fastUsesVM = f.fast != nil && f.fast.reads("vm")
	}
	if s.JQ != "" {
		if f.jq, err = compileJQ("--jq", s.JQ); err != nil {
			return nil, err
		}
		f.names = intersect(f.names, outputNames(f.jq.query))
	}
	return &f, nil
}

// NameOK is the check that runs before anything is decoded: false means the
// event cannot pass, whatever its data.
func (f *Set) NameOK(name string) bool {
	if f.names != nil && !f.names[name] {
		return false
	}
	if !f.events.Empty() && !f.events.Match(name) {
		return false
	}
	return f.excludes.Empty() || !f.excludes.Match(name)
}

// CanReject reports whether any filter can drop an event, i.e. whether
// asking RejectsRaw is worth a look at each event.
func (f *Set) CanReject() bool {
	return f.names != nil || !f.events.Empty() || !f.excludes.Empty() || len(f.wheres) > 0 || f.fast != nil
}

// RejectsRaw reports whether an event is certain to fail the filters,
// judged by its name and its raw data alone (not yet validated: anything
// unreadable counts as "not certain"). Readers call it before they validate
// an event, from their own goroutine; it only reads the Set.
func (f *Set) RejectsRaw(name string, data []byte) bool {
	if !f.NameOK(name) {
		return true
	}
	for _, w := range f.wheres {
		if w.RejectsRaw(data) {
			return true
		}
	}
	ev := decode.Event{Name: name, DataRaw: data}
	if f.fast != nil && !f.fastUsesVM {
		if truth, ok := f.fast.eval(&ev); ok && !truth {
			return true
		}
	}
	return false
}

// HasTransform reports whether --jq was given: results replace events.
func (f *Set) HasTransform() bool { return f.jq != nil }

// Eval is NameOK, the data filters (--where, then -f) and --jq in one go, building the jq view of the
// event once. With --jq, an event passes only when it yields a result.
func (f *Set) Eval(ctx context.Context, ev *decode.Event) (bool, []any, error) {
	if !f.NameOK(ev.Name) {
		return false, nil, nil
	}
	return f.eval(ctx, ev, true)
}

func (f *Set) eval(ctx context.Context, ev *decode.Event, transform bool) (bool, []any, error) {
	for _, w := range f.wheres {
		if !w.MatchEvent(ev) {
			return false, nil, nil
		}
	}
	var obj map[string]any
	if f.fast != nil {
		if truth, ok := f.fast.eval(ev); ok {
			if !truth {
				return false, nil, nil
			}
			goto transform
		}
	}
	if f.filter != nil {
		obj = ev.Object()
		ok, err := f.filter.truthy(ctx, obj)
		if err != nil {
			return false, nil, &RunError{Flag: f.filter.flag, Event: ev.Name, Err: err}
		}
		if !ok {
			return false, nil, nil
		}
	}
transform:
	if !transform || f.jq == nil {
		return true, nil, nil
	}
	if obj == nil {
		obj = ev.Object()
	}
	out, err := f.jq.all(ctx, obj)
	if err != nil {
		return false, nil, &RunError{Flag: f.jq.flag, Event: ev.Name, Err: err}
	}
	return len(out) > 0, out, nil
}
