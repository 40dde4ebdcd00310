package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"

	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/pipeline"
	"github.com/qmpwatch/qmpwatch/internal/safe"
)

// The exit codes (internal/exitcode, docs/exit-codes.md) under short names.
const (
	exitOK      = exitcode.OK
	exitError   = exitcode.Error
	exitUsage   = exitcode.Usage
	exitExpr    = exitcode.Expr
	exitTimeout = exitcode.Timeout
	exitGone    = exitcode.Gone
)

var (
	withCode    = exitcode.With
	usageErrorf = exitcode.Usagef
	writeErr    = exitcode.WriteErr
	errPipe     = exitcode.ErrPipe
)

// errReported marks a failure whose message was already written to stderr.
type errReported = exitcode.Reported

// exitCode is the one place where errors become exit codes and where an
// error's message is printed, once, on stderr.
func exitCode(err error, started bool, stderr io.Writer) int {
	return exitCodeHint(err, started, stderr, helpHint(nil))
}

// exitCodeHint is exitCode with the line that follows a usage error.
func exitCodeHint(err error, started bool, stderr io.Writer, hint string) int {
	var rec *pipeline.RecordError
	if errors.As(err, &rec) {
		// Even EPIPE (a FIFO whose reader left): only stdout ends quietly.
		fmt.Fprintf(stderr, "qmpwatch: %s\n", safeLines(err.Error()))
		return exitError
	}
	if err == nil || errors.Is(err, errPipe) || errors.Is(err, syscall.EPIPE) || errors.Is(err, context.Canceled) {
		return exitOK
	}
	var rep errReported
	if errors.As(err, &rep) {
		return rep.Code
	}
	code := exitcode.Of(err)
	var ce exitcode.Coder
	if !errors.As(err, &ce) && !started {
		// cobra rejected the command line before any command ran.
		code = exitUsage
	}
	fmt.Fprintf(stderr, "qmpwatch: %s\n", safeLines(err.Error()))
	if code == exitUsage {
		fmt.Fprintln(stderr, hint)
	}
	return code
}

// safeLines escapes an error's text for the terminal, line by line: most
// errors escaped what came from outside when they were made, but this is
// the one place every error passes (a libvirt or NATS server's message, a
// path), and escaping is idempotent (a backslash is not escaped). The
// newlines of a jq error with its caret line are kept.
func safeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = safe.String(l)
	}
	return strings.Join(lines, "\n")
}
