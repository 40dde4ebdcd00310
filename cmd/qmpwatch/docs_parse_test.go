package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// The rules TestDocs reads examples by: commands, continuations, output,
// the excerpt mark.
func TestDocsParse(t *testing.T) {
	md := "Text.\n\n<!-- excerpt -->\n```console\n$ qmpwatch a \\\n    --b\none\n\n$ qmpwatch c\ntwo\n```\n\n```console\n$ qmpwatch d\n```\n"
	path := filepath.Join(t.TempDir(), "x.md")
	if err := os.WriteFile(path, []byte(md), 0o600); err != nil {
		t.Fatal(err)
	}
	got := consoleExamples(t, path)
	want := []docExample{
		{name: "x.md:4", excerpt: true, commands: []docCommand{
			{line: "qmpwatch a \\\n    --b", want: []string{"one"}},
			{line: "qmpwatch c", want: []string{"two"}},
		}},
		{name: "x.md:13", commands: []docCommand{{line: "qmpwatch d"}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestDocsExcerpt(t *testing.T) {
	printed := []string{"a", "b", "c", "d"}
	for _, tt := range []struct {
		shown []string
		miss  string
	}{
		{[]string{"a", "...", "d"}, ""},
		{[]string{"b", "c"}, ""},
		{[]string{"d", "a"}, "a"}, // out of order
		{[]string{"a", "x"}, "x"}, // not printed
		{[]string{"c", "c"}, "c"}, // printed once, shown twice
	} {
		if got := excerptMissing(tt.shown, printed); got != tt.miss {
			t.Errorf("excerptMissing(%q) = %q, want %q", tt.shown, got, tt.miss)
		}
	}
}

func TestDocsNormalise(t *testing.T) {
	for in, want := range map[string]string{
		// The run state is kept: a wrong state in an example must fail it.
		"qmpwatch: connected to vm1 (QEMU 7.2.22, shutdown) at /run/vm1.qmp":                               "qmpwatch: connected to vm1 (QEMU 7.2.22, shutdown) at /run/vm1.qmp",
		"at /tmp/qmpwatch-demo-2929019531/demo.qmp":                                                        "at /tmp/qmpwatch-demo-N/demo.qmp",
		`{"timestamp":{"seconds":1,"microseconds":2},"event":"QMPWATCH_RECONNECTED","data":{"gap":0.082}}`: `{"timestamp":{"seconds":S,"microseconds":U},"event":"QMPWATCH_RECONNECTED","data":{"gap":GAP}}`,
		`{"timestamp":{"seconds":1,"microseconds":2},"event":"STOP"}`:                                      `{"timestamp":{"seconds":1,"microseconds":2},"event":"STOP"}`,
	} {
		if got := normaliseDocLine(in, false); got != want {
			t.Errorf("normaliseDocLine(%q) = %q, want %q", in, got, want)
		}
	}
	if got := normaliseDocLine("2026-11-21 05:59:45.583582  RESET", true); got != "TIME  RESET" {
		t.Errorf("demo time: %q", got)
	}
}
