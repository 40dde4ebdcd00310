package cmdutil

import (
	"fmt"
	"io"

	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/logfile"
)

// OneStdin refuses a command line that names standard input twice
// (replay, and the trackers' --replay).
func OneStdin(args []string) error {
	n := 0
	for _, a := range args {
		if a == "-" {
			n++
		}
	}
	if n > 1 {
		return exitcode.Usagef("standard input (-) given twice")
	}
	return nil
}

// WarnLine reports on w a log line that was skipped.
func WarnLine(w io.Writer) func(*logfile.LineError) {
	return func(e *logfile.LineError) { fmt.Fprintf(w, "qmpwatch: %s\n", e) }
}
