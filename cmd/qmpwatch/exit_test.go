package main

import (
	"bytes"
	"errors"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
)

// Every error reaches the terminal escaped, whoever made it (a libvirt or
// NATS server's message, a path), with the lines of a jq error kept, and
// text escaped earlier is not escaped twice.
func TestExitCodeEscapesErrors(t *testing.T) {
	var b bytes.Buffer
	err := errors.New("open evil\x1b]0;PWNED\x07\u202e.log: no such file\n  caret line \u009b2J \xff")
	if code := cmdutil.ExitCodeHint(err, true, &b, cmdutil.HelpHint(nil)); code != exitcode.Error {
		t.Errorf("exit %d", code)
	}
	want := "qmpwatch: open evil\\x1b]0;PWNED\\x07\\u202e.log: no such file\n  caret line \\u009b2J \\xff\n"
	if b.String() != want {
		t.Errorf("stderr %q, want %q", b.String(), want)
	}
	if again := cmdutil.SafeLines(cmdutil.SafeLines("a\x1bb")); again != `a\x1bb` {
		t.Errorf("escaped twice: %q", again)
	}
}
