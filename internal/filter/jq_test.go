package filter

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/itchyny/gojq"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

func event(t *testing.T, line string) *decode.Event {
	t.Helper()
	m, err := decode.ScanMessage([]byte(line))
	if err != nil {
		t.Fatalf("ScanMessage(%s): %v", line, err)
	}
	return decode.NewEvent(&m, "vm1")
}

func TestExprErrorCaret(t *testing.T) {
	tests := []struct {
		expr string
		want string // the whole message
	}{
		{".event == )", "--filter: invalid jq expression: unexpected token \")\"\n    .event == )\n              ^"},
		{"select(.x ==== 1)", "--filter: invalid jq expression: unexpected token \"==\"\n    select(.x ==== 1)\n                ^"},
		{".a | ", "--filter: invalid jq expression: unexpected EOF\n    .a | \n         ^"},
		{"\"é\" | foo(", "--filter: invalid jq expression: unexpected EOF\n    \"é\" | foo(\n              ^"},
		{".a |\n\t.b ) | .c", "--filter: invalid jq expression: unexpected token \")\"\n    \t.b ) | .c\n    \t   ^"},
		{".data | frobnicate", "--filter: invalid jq expression: function not defined: frobnicate/0\n    .data | frobnicate\n            ^"},
		{".x as $a | $ab", "--filter: invalid jq expression: variable not defined: $ab\n    .x as $a | $ab\n               ^"},
	}
	for _, tc := range tests {
		_, err := Compile(Spec{Filter: tc.expr})
		var ee *ExprError
		if !errors.As(err, &ee) {
			t.Errorf("Compile(%q) error = %v, want an *ExprError", tc.expr, err)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("Compile(%q) error:\n%s\nwant:\n%s", tc.expr, err, tc.want)
		}
	}
	_, err := Compile(Spec{JQ: ".data |"})
	if err == nil || !strings.HasPrefix(err.Error(), "--jq: invalid jq expression") {
		t.Errorf("a bad --jq: error %v, want one naming --jq", err)
	}
}

func TestFilterKeep(t *testing.T) {
	big := event(t, `{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "BLOCK_JOB_READY", "data": {"device": "job1", "len": 18446744073709551615, "offset": 9007199254740993, "speed": 0, "type": "mirror"}}`)
	stop := event(t, `{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP"}`)
	tests := []struct {
		filter string
		ev     *decode.Event
		want   bool
	}{
		{`.event == "BLOCK_JOB_READY"`, big, true},
		{`.event == "BLOCK_JOB_READY"`, stop, false},
		{`.data.len == 18446744073709551615`, big, true},
		{`.data.len == 18446744073709551614`, big, false},
		{`.data.offset == 9007199254740993`, big, true},
		{`.data.offset == 9007199254740992`, big, false},
		{`.data.len > 9007199254740993`, big, true},
		{`.data.missing`, big, false},
		{`.data.speed`, big, true}, // 0 is true in jq
		{`empty`, big, false},
		{`false, null, 1`, big, true},
		{`false, null`, big, false},
		{`.vm == "vm1"`, stop, true},
		{`.timestamp.microseconds == 2`, stop, true},
		{`$ENV | type == "object"`, stop, true},
		{`.data == null`, stop, true},
		{`halt`, stop, false},
	}
	for _, tc := range tests {
		f, err := Compile(Spec{Filter: tc.filter})
		if err != nil {
			t.Fatalf("Compile(%q): %v", tc.filter, err)
		}
		ok, out, err := f.Eval(context.Background(), tc.ev)
		if err != nil || ok != tc.want || out != nil {
			t.Errorf("-f %q on %s = %v %v %v, want %v", tc.filter, tc.ev.Name, ok, out, err, tc.want)
		}
	}
}

func TestFilterRunError(t *testing.T) {
	f, err := Compile(Spec{Filter: `.data.device | test("x")`})
	if err != nil {
		t.Fatal(err)
	}
	ev := event(t, `{"event": "X", "data": {"device": 3}, "timestamp": {"seconds": 1, "microseconds": 2}}`)
	ok, _, err := f.Eval(context.Background(), ev)
	var re *RunError
	if ok || !errors.As(err, &re) || re.Event != "X" || !strings.HasPrefix(err.Error(), "--filter: X: ") {
		t.Errorf("Eval = %v, %v; want false and a *RunError naming the event", ok, err)
	}
}

func TestTransform(t *testing.T) {
	ev := event(t, `{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "BLOCK_JOB_READY", "data": {"device": "job1", "len": 18446744073709551615, "offset": -5, "ratio": 0.25, "type": "mirror"}}`)
	tests := []struct {
		jq   string
		want string
		ok   bool
	}{
		{`.data.device`, "job1\n", true},
		{`.data.len`, "18446744073709551615\n", true},
		{`.data.len + 1`, "18446744073709551616\n", true},
		{`.data.offset, .data.ratio`, "-5\n0.25\n", true},
		{`.data | {device, len}`, `{"device":"job1","len":18446744073709551615}` + "\n", true},
		{`[.event, .vm]`, `["BLOCK_JOB_READY","vm1"]` + "\n", true},
		{`.data.nothing`, "null\n", true},
		{`.event == "STOP"`, "false\n", true},
		{`select(.event == "STOP") | .data`, "", false},
		{`empty`, "", false},
	}
	for _, tc := range tests {
		f, err := Compile(Spec{JQ: tc.jq})
		if err != nil {
			t.Fatalf("Compile(%q): %v", tc.jq, err)
		}
		ok, out, err := f.Eval(context.Background(), ev)
		if err != nil {
			t.Errorf("--jq %q: %v", tc.jq, err)
			continue
		}
		var b []byte
		for _, v := range out {
			b = AppendResult(b, v)
		}
		if string(b) != tc.want || ok != tc.ok {
			t.Errorf("--jq %q printed %q (pass %v), want %q (pass %v)", tc.jq, b, ok, tc.want, tc.ok)
		}
	}
}

func TestRequiredNames(t *testing.T) {
	tests := []struct {
		expr string
		jq   bool // as --jq rather than -f
		want string
	}{
		{`.event == "STOP"`, false, "STOP"},
		{`"STOP" == .event`, false, "STOP"},
		{`.["event"] == "STOP"`, false, "STOP"},
		{`.event == ("STOP", "RESUME")`, false, "RESUME STOP"},
		{`select(.event == "STOP")`, false, "STOP"},
		{`.event == "A" and .data.x == 1`, false, "A"},
		{`.data.x == 1 and .event == "A"`, false, "A"},
		{`.event == "A" and .event == "B"`, false, ""},
		{`.event == "A" or .event == "B"`, false, "A B"},
		{`(.event == "A" or .event == "B") and .data.x`, false, "A B"},
		{`.event == "A" or .data.x`, false, "*"},
		{`select(.event == "A") | .data.x > 3`, false, "A"},
		{`select(.data.x) | select(.event == "A") | .data`, false, "A"},
		{`. as $e | .event == "A"`, false, "A"},
		{`.data | .event == "A"`, false, "*"}, // .event of the data, not the event
		{`.event == "A" | not`, false, "*"},
		{`.event != "A"`, false, "*"},
		{`.event | test("A")`, false, "*"},
		{`def select(f): .; select(.event == "A")`, false, "*"},
		{`.event == "A\(1)"`, false, "*"},
		{`.data.device == "job1"`, false, "*"},

		{`select(.event == "A") | .data`, true, "A"},
		{`select(.event == "A" or .event == "B") | .data.x`, true, "A B"},
		{`.event == "A"`, true, "*"}, // prints false for other events
		{`(select(.event == "A") | .x), select(.event == "B")`, true, "A B"},
		{`select(.event == "A") | .x, select(.event == "B")`, true, "A"}, // | binds looser than ,
		{`(select(.event == "A") | .x), .y`, true, "*"},
		{`."event" == "STOP"`, false, "STOP"},
		{`.data | select(.event == "A")`, true, "*"},
	}
	for _, tc := range tests {
		s := Spec{Filter: tc.expr}
		if tc.jq {
			s = Spec{JQ: tc.expr}
		}
		f, err := Compile(s)
		if err != nil {
			t.Fatalf("Compile(%q): %v", tc.expr, err)
		}
		got := "*"
		if names := f.names.sorted(); names != nil {
			got = strings.Join(names, " ")
		}
		if got != tc.want {
			t.Errorf("required names of %q (jq %v) = %q, want %q", tc.expr, tc.jq, got, tc.want)
		}
	}
}

// TestRequiredNamesSound runs each expression on every event name it
// rejects and checks that jq would really have dropped the event, so the
// name pre-filter never loses an event the expression keeps.
func TestRequiredNamesSound(t *testing.T) {
	exprs := []string{
		`.event == "A" and .data.x == 1`,
		`.event == "A" or .event == "B"`,
		`select(.event == "A") | .data.x > 3`,
		`.event == ("A", "B") and .data.x`,
		`. as $e | .event == "A"`,
		`select(.data.x) | select(.event == "B") | .data`,
	}
	names := []string{"A", "B", "C"}
	for _, expr := range exprs {
		f, err := Compile(Spec{Filter: expr})
		if err != nil {
			t.Fatal(err)
		}
		q, _ := gojq.Parse(expr)
		code, _ := gojq.Compile(q)
		for _, n := range names {
			if f.NameOK(n) {
				continue
			}
			ev := event(t, `{"event": "`+n+`", "data": {"x": 9}, "timestamp": {"seconds": 1, "microseconds": 2}}`)
			iter := code.Run(ev.Object())
			for {
				v, ok := iter.Next()
				if !ok {
					break
				}
				if v != nil && v != false {
					t.Errorf("%q: the name pre-filter drops %s, but jq yields %v for it", expr, n, v)
				}
			}
		}
	}
}

func TestNameOK(t *testing.T) {
	f, err := Compile(Spec{
		Events:   []string{"block_job_*,spice_initialized", "STOP"},
		Excludes: []string{"*_ERROR"},
		Filter:   `.event != "STOP"`,
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{
		"BLOCK_JOB_READY":   true,
		"BLOCK_JOB_ERROR":   false,
		"SPICE_INITIALIZED": true,
		"SPICE_CONNECTED":   false,
		"STOP":              true, // the -f decides later, on the data
		"RESUME":            false,
	} {
		if got := f.NameOK(name); got != want {
			t.Errorf("NameOK(%s) = %v, want %v", name, got, want)
		}
	}
	g, err := Compile(Spec{JQ: `select(.event == "STOP") | .vm`, Events: []string{"S*"}})
	if err != nil {
		t.Fatal(err)
	}
	if !g.NameOK("STOP") || g.NameOK("SHUTDOWN") || g.NameOK("RESUME") {
		t.Errorf("jq names and -e must both hold: STOP %v SHUTDOWN %v RESUME %v", g.NameOK("STOP"), g.NameOK("SHUTDOWN"), g.NameOK("RESUME"))
	}
}

// TestNameRejectSkipsDecode checks that an event refused by name never has
// its data decoded: Eval must return before Data() is called.
func TestNameRejectSkipsDecode(t *testing.T) {
	f, err := Compile(Spec{Events: []string{"STOP"}, Wheres: []string{"x==1"}})
	if err != nil {
		t.Fatal(err)
	}
	ev := event(t, `{"event": "RESUME", "data": {"x": 1}, "timestamp": {"seconds": 1, "microseconds": 2}}`)
	// Corrupt the raw data: if anything decoded it, the where would see no x.
	ev.DataRaw = []byte(`{"x": 1`)
	allocs := testing.AllocsPerRun(100, func() {
		if ok, _, _ := f.Eval(context.Background(), ev); ok {
			t.Fatal("RESUME passed -e STOP")
		}
	})
	if allocs != 0 {
		t.Errorf("rejecting by name allocated %v times per event, want 0 (no decoding)", allocs)
	}
}
