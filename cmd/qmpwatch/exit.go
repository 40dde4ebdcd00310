package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"

	"github.com/qmpwatch/qmpwatch/internal/pipeline"
	"github.com/qmpwatch/qmpwatch/internal/safe"
)

// Exit codes, documented in docs/exit-codes.md and in `qmpwatch --help`;
// the engine's errors carry them (pipeline.Error, pipeline.Reported).
const (
	exitOK      = pipeline.ExitOK
	exitError   = pipeline.ExitError
	exitUsage   = pipeline.ExitUsage
	exitExpr    = pipeline.ExitExpr
	exitTimeout = pipeline.ExitTimeout
	// exitGone: with --fail-without-shutdown, QEMU went away without a
	// SHUTDOWN event (killed or crashed).
	exitGone = 5
)

var (
	withCode    = pipeline.WithCode
	usageErrorf = pipeline.Usagef
	writeErr    = pipeline.WriteErr
	errPipe     = pipeline.ErrPipe
)

// errReported marks a failure whose message was already written to stderr.
type errReported = pipeline.Reported

// exitCoder is an error that knows its exit code.
type exitCoder interface{ ExitCode() int }

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
	code := exitError
	var ce exitCoder
	if errors.As(err, &ce) {
		code = ce.ExitCode()
	} else if !started {
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
