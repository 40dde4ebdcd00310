package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
)

// Exit codes, documented in docs/exit-codes.md and in `qmpwatch --help`.
const (
	exitOK      = 0 // normal end: QEMU closed the connection, SIGINT/SIGTERM, --count reached
	exitError   = 1 // runtime or connection error
	exitUsage   = 2 // bad flags or arguments
	exitExpr    = 3 // bad filter or template expression
	exitTimeout = 4 // an awaited event (--count, --until) did not arrive
)

// codedError carries the exit code an error should end the program with.
type codedError struct {
	code int
	err  error
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &codedError{code: code, err: err}
}

func usageErrorf(format string, args ...any) error {
	return withCode(exitUsage, fmt.Errorf(format, args...))
}

// errReported marks a failure whose message was already written to stderr.
type errReported struct{ code int }

func (e errReported) Error() string { return "already reported" }

// errPipe means stdout's reader went away (| head): a quiet, normal end.
var errPipe = errors.New("output closed")

// exitCode is the one place where errors become exit codes and where an
// error's message is printed, once, on stderr.
func exitCode(err error, started bool, stderr io.Writer) int {
	if err == nil || errors.Is(err, errPipe) || errors.Is(err, syscall.EPIPE) || errors.Is(err, context.Canceled) {
		return exitOK
	}
	var rep errReported
	if errors.As(err, &rep) {
		return rep.code
	}
	code := exitError
	var ce *codedError
	if errors.As(err, &ce) {
		code = ce.code
	} else if !started {
		// cobra rejected the command line before any command ran.
		code = exitUsage
	}
	fmt.Fprintf(stderr, "qmpwatch: %s\n", err)
	if code == exitUsage {
		fmt.Fprintln(stderr, "Run 'qmpwatch --help' for usage.")
	}
	return code
}
