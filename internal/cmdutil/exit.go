package cmdutil

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

// ExitCodeHint is the one place where errors become exit codes and where
// an error's message is printed, once, on stderr; hint is the line that
// follows a usage error.
func ExitCodeHint(err error, started bool, stderr io.Writer, hint string) int {
	var rec *pipeline.RecordError
	if errors.As(err, &rec) {
		// Even EPIPE (a FIFO whose reader left): only stdout ends quietly.
		fmt.Fprintf(stderr, "qmpwatch: %s\n", SafeLines(err.Error()))
		return exitcode.Error
	}
	if err == nil || errors.Is(err, exitcode.ErrPipe) || errors.Is(err, syscall.EPIPE) || errors.Is(err, context.Canceled) {
		return exitcode.OK
	}
	var rep exitcode.Reported
	if errors.As(err, &rep) {
		return rep.Code
	}
	code := exitcode.Of(err)
	var ce exitcode.Coder
	if !errors.As(err, &ce) && !started {
		// cobra rejected the command line before any command ran.
		code = exitcode.Usage
	}
	fmt.Fprintf(stderr, "qmpwatch: %s\n", SafeLines(err.Error()))
	if code == exitcode.Usage {
		fmt.Fprintln(stderr, hint)
	}
	return code
}

// SafeLines escapes an error's text for the terminal, line by line: most
// errors escaped what came from outside when they were made, but this is
// the one place every error passes (a libvirt or NATS server's message, a
// path), and escaping is idempotent (a backslash is not escaped). The
// newlines of a jq error with its caret line are kept.
func SafeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = safe.String(l)
	}
	return strings.Join(lines, "\n")
}
