// Package exitcode holds qmpwatch's exit codes (docs/exit-codes.md) and the
// errors that carry one. A library error whose code is natural (a bad
// address, a bad filter, a bad source description) carries it itself
// through an ExitCode method; the command line reads every code with one
// errors.As, so no call site chooses a code for another package's error.
package exitcode

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// Exit codes, documented in docs/exit-codes.md and in `qmpwatch --help`.
const (
	OK      = 0 // normal end: QEMU closed the connection, SIGINT/SIGTERM, --count reached
	Error   = 1 // runtime or connection error
	Usage   = 2 // bad flags or arguments
	Expr    = 3 // bad filter or template expression
	Timeout = 4 // an awaited event (--count, --until) did not arrive
	// Gone: with --fail-without-shutdown, QEMU went away without a
	// SHUTDOWN event (killed or crashed).
	Gone = 5
)

// Coder is an error that knows its exit code.
type Coder interface{ ExitCode() int }

// Coded is an error that knows the exit code it should end qmpwatch with.
// An error without one is a runtime error (1).
type Coded struct {
	Code int
	Err  error
}

func (e *Coded) Error() string { return e.Err.Error() }
func (e *Coded) Unwrap() error { return e.Err }

// ExitCode is the exit code the error ends qmpwatch with.
func (e *Coded) ExitCode() int { return e.Code }

// With gives err an exit code; nil stays nil.
func With(code int, err error) error {
	if err == nil {
		return nil
	}
	return &Coded{Code: code, Err: err}
}

// Usagef is a usage error (2).
func Usagef(format string, args ...any) error {
	return With(Usage, fmt.Errorf(format, args...))
}

// Reported is a failure whose messages were already written to stderr:
// only its exit code is left to give.
type Reported struct{ Code int }

func (e Reported) Error() string { return "already reported" }

// ExitCode is the exit code the failure ends qmpwatch with.
func (e Reported) ExitCode() int { return e.Code }

// ErrPipe means stdout's reader went away (| head): a quiet, normal end.
var ErrPipe = errors.New("output closed")

// WriteErr turns a vanished reader (| head) into ErrPipe.
func WriteErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, syscall.EPIPE) || errors.Is(err, os.ErrClosed) {
		return ErrPipe
	}
	return err
}

// Of is err's exit code: the code of the first error in its chain that
// has one, else Error. A nil error is OK.
func Of(err error) int {
	if err == nil {
		return OK
	}
	var c Coder
	if errors.As(err, &c) {
		return c.ExitCode()
	}
	return Error
}
