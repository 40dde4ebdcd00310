package pipeline

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// Exit codes, documented in docs/exit-codes.md and in `qmpwatch --help`.
const (
	ExitOK      = 0 // normal end: QEMU closed the connection, SIGINT/SIGTERM, --count reached
	ExitError   = 1 // runtime or connection error
	ExitUsage   = 2 // bad flags or arguments
	ExitExpr    = 3 // bad filter or template expression
	ExitTimeout = 4 // an awaited event (--count, --until) did not arrive
)

// Error is an error that knows the exit code it should end qmpwatch with.
// The command line reads it through ExitCode; an error without one is a
// runtime error (1).
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// ExitCode is the exit code the error ends qmpwatch with.
func (e *Error) ExitCode() int { return e.Code }

// WithCode gives err an exit code; nil stays nil.
func WithCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Err: err}
}

// Usagef is a usage error (2).
func Usagef(format string, args ...any) error {
	return WithCode(ExitUsage, fmt.Errorf(format, args...))
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
