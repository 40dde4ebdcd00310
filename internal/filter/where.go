package filter

import (
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// Op is a --where operator.
type Op uint8

// The --where operators. OpTruthy is a bare PATH.
const (
	OpTruthy   Op = iota // PATH: present, and neither false nor null
	OpEq                 // == or =
	OpNe                 // !=
	OpLt                 // <
	OpLe                 // <=
	OpGt                 // >
	OpGe                 // >=
	OpMatch              // ~: regular expression
	OpNotMatch           // !~
)

// ops lists the spellings, two-character ones first so "<=" is not read as "<".
var ops = []struct {
	text string
	op   Op
}{
	{"==", OpEq}, {"!=", OpNe}, {"<=", OpLe}, {">=", OpGe}, {"!~", OpNotMatch},
	{"=", OpEq}, {"<", OpLt}, {">", OpGt}, {"~", OpMatch},
}

const opList = "==, !=, <, <=, >, >=, ~, !~"

// Where is one compiled --where condition on an event's data.
type Where struct {
	Src  string   // the expression as given
	Path []string // member names
	Op   Op
	val  operand
	re   *regexp.Regexp // OpMatch, OpNotMatch
}

// operand is the VALUE side, parsed once.
type operand struct {
	kind  decode.Kind // Null, Bool, Number or String
	text  string      // String: the text; Number: the literal as typed
	b     bool
	i     int64
	isInt bool // i holds the number exactly
	rat   *big.Rat
}

// WhereError is a malformed --where expression: what was expected, where.
type WhereError struct {
	Expr string
	Col  int // 1-based column in Expr
	Msg  string
}

func (e *WhereError) Error() string {
	return fmt.Sprintf("--where %q: %s (column %d)", e.Expr, e.Msg, e.Col)
}

// ParseWhere compiles `PATH OP VALUE` or a bare `PATH`.
func ParseWhere(src string) (*Where, error) {
	w := &Where{Src: src}
	fail := func(i int, format string, args ...any) (*Where, error) {
		return nil, &WhereError{Expr: src, Col: i + 1, Msg: fmt.Sprintf(format, args...)}
	}
	i := skipSpace(src, 0)
	start := i
	for i < len(src) && isPathByte(src[i]) {
		i++
	}
	if i == start {
		if i == len(src) {
			return fail(i, "expected a data member path such as client.channel-type")
		}
		return fail(i, "expected a data member path such as client.channel-type, found %q", src[i:i+1])
	}
	p := src[start:i]
	off := start
	for _, seg := range strings.Split(p, ".") {
		if seg == "" {
			return fail(off, "expected a member name in path %q (empty name between dots)", p)
		}
		off += len(seg) + 1
		w.Path = append(w.Path, seg)
	}
	i = skipSpace(src, i)
	if i == len(src) {
		w.Op = OpTruthy
		return w, nil
	}
	opText := ""
	for _, o := range ops {
		if strings.HasPrefix(src[i:], o.text) {
			w.Op, opText = o.op, o.text
			break
		}
	}
	if opText == "" {
		return fail(i, "expected an operator (%s) after %q, found %q", opList, p, src[i:i+1])
	}
	i = skipSpace(src, i+len(opText))
	raw := strings.TrimRight(src[i:], " \t")
	if raw == "" {
		return fail(i, "expected a value after %q", opText)
	}
	if w.Op == OpEq && raw[0] == '~' {
		// =~ is how bash and Perl spell a regexp match.
		return fail(i, "expected a value after %q (for a regular expression, use ~ alone)", opText)
	}
	if (w.Op == OpMatch || w.Op == OpNotMatch) && raw[0] == '=' {
		// ~= (and !~=) would read as a regular expression starting with
		// "=", which silently matches nothing; in Lua ~= means "not equal".
		return fail(i, "expected a regular expression after %q, found \"=\" (%s= is not an operator: use ~ or !~ alone for a regular expression, != for not equal, or quote a pattern that starts with =)", opText, opText)
	}
	text, quoted, err := unquote(raw)
	if err != nil {
		return fail(i, "%v", err)
	}
	switch w.Op {
	case OpMatch, OpNotMatch:
		re, err := regexp.Compile(text)
		if err != nil {
			return fail(i, "expected a regular expression after %q: %v", opText, err)
		}
		w.re = re
		return w, nil
	}
	w.val = parseOperand(text, quoted)
	if w.Op >= OpLt && w.Op <= OpGe && (w.val.kind == decode.Bool || w.val.kind == decode.Null) {
		return fail(i, "expected a number or a string after %q, found %s", opText, text)
	}
	return w, nil
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// isPathByte accepts what QMP member names are made of, and the dots
// between them.
func isPathByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}

// unquote strips optional quotes: "..." with JSON/Go escapes, '...' as is.
func unquote(raw string) (text string, quoted bool, err error) {
	switch raw[0] {
	case '"':
		s, err := strconv.Unquote(raw)
		if err != nil {
			return "", false, fmt.Errorf("expected a closing \" and valid escapes in %s", raw)
		}
		return s, true, nil
	case '\'':
		if len(raw) < 2 || raw[len(raw)-1] != '\'' {
			return "", false, fmt.Errorf("expected a closing ' in %s", raw)
		}
		return raw[1 : len(raw)-1], true, nil
	}
	return raw, false, nil
}

var numberRE = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)

func parseOperand(text string, quoted bool) operand {
	if quoted {
		return operand{kind: decode.String, text: text}
	}
	switch text {
	case "true", "false":
		return operand{kind: decode.Bool, b: text == "true", text: text}
	case "null":
		return operand{kind: decode.Null, text: text}
	}
	if numberRE.MatchString(text) {
		o := operand{kind: decode.Number, text: text}
		o.i, o.isInt = parseInt(text)
		o.rat = parseRat(text)
		if o.rat != nil {
			return o
		}
	}
	return operand{kind: decode.String, text: text}
}

func parseInt(lit string) (int64, bool) {
	n, err := strconv.ParseInt(lit, 10, 64)
	return n, err == nil
}

// parseRat reads a JSON number exactly. Exponents are bounded: a literal
// like 1e999999999 would make big.Rat allocate without end.
func parseRat(lit string) *big.Rat {
	if e := strings.IndexAny(lit, "eE"); e >= 0 {
		if x, err := strconv.Atoi(strings.TrimPrefix(lit[e+1:], "+")); err != nil || x > 4096 || x < -4096 {
			return nil
		}
	}
	r, ok := new(big.Rat).SetString(lit)
	if !ok {
		return nil
	}
	return r
}

// MatchEvent evaluates the condition on an event's data, reading only the
// member at the path (decode.Event.Lookup) rather than decoding the whole
// data.
func (w *Where) MatchEvent(ev *decode.Event) bool {
	v, ok := ev.Lookup(w.Path)
	return w.matchAt(v, ok)
}

// RejectsRaw reports whether raw data (not yet validated, perhaps running
// past its end: decode.LookupRaw) surely fails the condition.
func (w *Where) RejectsRaw(data []byte) bool {
	if data == nil {
		return !w.matchAt(decode.Value{}, false)
	}
	v, found, sure := decode.LookupRaw(data, w.Path)
	return sure && !w.matchAt(v, found)
}

// matchAt applies the operator to the value found at the path (ok false:
// nothing there).
func (w *Where) matchAt(v decode.Value, ok bool) bool {
	switch w.Op {
	case OpTruthy:
		return ok && v.Truthy()
	case OpEq:
		return w.equal(v, ok)
	case OpNe:
		return !w.equal(v, ok)
	case OpMatch:
		return ok && w.match(v)
	case OpNotMatch:
		return !(ok && w.match(v))
	}
	if !ok {
		return false
	}
	c, ok := w.compare(v)
	if !ok {
		return false
	}
	switch w.Op {
	case OpLt:
		return c < 0
	case OpLe:
		return c <= 0
	case OpGt:
		return c > 0
	default:
		return c >= 0
	}
}

// equal: a missing member equals null, as in jq; a number equals a number
// of the same value (1 == 1.0); a string equals the text typed, quoted or not.
func (w *Where) equal(v decode.Value, present bool) bool {
	if !present || v.Kind == decode.Null {
		return w.val.kind == decode.Null
	}
	if v.Kind == decode.String {
		// Unquoted values also match a string of the same text: QMP sends
		// ports as strings (client.port==5930) and JobStatus has "null".
		return v.Text == w.val.text
	}
	switch w.val.kind {
	case decode.Bool:
		return v.Kind == decode.Bool && v.True == w.val.b
	case decode.Number:
		if v.Kind == decode.Number {
			c, ok := w.numCmp(v.Text)
			return ok && c == 0
		}
	}
	return false
}

// compare orders v against the operand: numbers numerically (also a string
// that holds a number), strings bytewise. ok is false when they do not compare.
func (w *Where) compare(v decode.Value) (int, bool) {
	if w.val.kind == decode.Number {
		if v.Kind == decode.Number || v.Kind == decode.String && numberRE.MatchString(v.Text) {
			return w.numCmp(v.Text)
		}
		return 0, false
	}
	if v.Kind != decode.String {
		return 0, false
	}
	return strings.Compare(v.Text, w.val.text), true
}

// numCmp compares a JSON number literal with the operand exactly: int64
// when both fit, big.Rat otherwise (sizes beyond 2^53, fractions).
func (w *Where) numCmp(lit string) (int, bool) {
	if w.val.isInt {
		if n, ok := parseInt(lit); ok {
			switch {
			case n < w.val.i:
				return -1, true
			case n > w.val.i:
				return 1, true
			}
			return 0, true
		}
	}
	r := parseRat(lit)
	if r == nil {
		return 0, false
	}
	return r.Cmp(w.val.rat), true
}

// match applies the regular expression to a string, or to the text of a
// number or boolean.
func (w *Where) match(v decode.Value) bool {
	switch v.Kind {
	case decode.String, decode.Number:
		return w.re.MatchString(v.Text)
	case decode.Bool:
		return w.re.MatchString(strconv.FormatBool(v.True))
	}
	return false
}
