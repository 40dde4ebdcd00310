package filter

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/itchyny/gojq"

	"github.com/qmpwatch/qmpwatch/internal/exitcode"
)

// ExprError is a jq expression that does not parse or compile. Its message
// shows the expression with a caret under the failing column when the
// column is known.
type ExprError struct {
	Flag   string // the flag that carried it: -f/--filter or --jq
	Expr   string
	Offset int // byte offset of the failure in Expr, -1 when unknown
	Err    error
}

// ExitCode is 3: a bad filter or template expression.
func (e *ExprError) ExitCode() int { return exitcode.Expr }

func (e *ExprError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: invalid jq expression: %v", e.Flag, e.Err)
	if e.Offset < 0 {
		return b.String()
	}
	line, col := lineAt(e.Expr, e.Offset)
	b.WriteString("\n    ")
	b.WriteString(line)
	b.WriteString("\n    ")
	b.WriteString(col)
	b.WriteByte('^')
	return b.String()
}

func (e *ExprError) Unwrap() error { return e.Err }

// lineAt returns the line of s holding byte offset off and the padding that
// puts a caret under it: tabs stay tabs so the caret lines up, and a
// multi-byte character counts as one column.
func lineAt(s string, off int) (line, pad string) {
	off = min(max(off, 0), len(s))
	start := strings.LastIndexByte(s[:off], '\n') + 1
	end := strings.IndexByte(s[off:], '\n')
	if end < 0 {
		end = len(s)
	} else {
		end += off
	}
	var p strings.Builder
	for _, r := range s[start:off] {
		if r == '\t' {
			p.WriteByte('\t')
		} else {
			p.WriteByte(' ')
		}
	}
	return s[start:end], p.String()
}

// jqExpr is a jq expression compiled once and run per event.
type jqExpr struct {
	flag  string
	query *gojq.Query
	code  *gojq.Code
}

// compileJQ parses and compiles expr. Unknown functions and variables are
// compile errors, reported before any connection is made.
func compileJQ(flag, expr string) (*jqExpr, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		off := -1
		var pe *gojq.ParseError
		if errors.As(err, &pe) {
			off = pe.Offset - len(pe.Token)
		}
		return nil, &ExprError{Flag: flag, Expr: expr, Offset: off, Err: err}
	}
	code, err := gojq.Compile(q, gojq.WithEnvironLoader(os.Environ))
	if err != nil {
		return nil, &ExprError{Flag: flag, Expr: expr, Offset: undefinedAt(expr, err), Err: err}
	}
	return &jqExpr{flag: flag, query: q, code: code}, nil
}

// undefinedRE picks the name out of gojq's "function not defined: f/1" and
// "variable not defined: $x".
var undefinedRE = regexp.MustCompile(`not defined: (\$?[A-Za-z_][A-Za-z0-9_:]*)`)

// undefinedAt finds where an undefined name is used, for the caret; -1 when
// it cannot tell.
func undefinedAt(expr string, err error) int {
	m := undefinedRE.FindStringSubmatch(err.Error())
	if m == nil {
		return -1
	}
	name := m[1]
	for i := 0; ; {
		j := strings.Index(expr[i:], name)
		if j < 0 {
			return -1
		}
		j += i
		end := j + len(name)
		if !identByteBefore(expr, j) && !identByteAt(expr, end) {
			return j
		}
		i = end
	}
}

func identByteBefore(s string, i int) bool {
	if i == 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return r == '_' || r == '$' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

func identByteAt(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	c := s[i]
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// RunError is a jq expression failing on one event at run time.
type RunError struct {
	Flag  string
	Event string
	Err   error
}

func (e *RunError) Error() string { return fmt.Sprintf("%s: %s: %v", e.Flag, e.Event, e.Err) }
func (e *RunError) Unwrap() error { return e.Err }

// each runs the expression on v and calls yield for every result until
// yield returns false. `halt` ends the results without an error.
func (x *jqExpr) each(ctx context.Context, v any, yield func(any) bool) error {
	iter := x.code.RunWithContext(ctx, v)
	for {
		r, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, isErr := r.(error); isErr {
			var he *gojq.HaltError
			if errors.As(err, &he) && he.Value() == nil {
				return nil
			}
			return err
		}
		if !yield(r) {
			return nil
		}
	}
}

// truthy reports whether the expression yields at least one value that is
// neither false nor null.
func (x *jqExpr) truthy(ctx context.Context, v any) (bool, error) {
	found := false
	err := x.each(ctx, v, func(r any) bool {
		found = r != nil && r != false
		return !found
	})
	return found, err
}

// all collects every result.
func (x *jqExpr) all(ctx context.Context, v any) ([]any, error) {
	var out []any
	err := x.each(ctx, v, func(r any) bool {
		out = append(out, r)
		return true
	})
	return out, err
}
