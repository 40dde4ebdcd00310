package cmdutil

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// SignalContext is the context of a whole run: it ends on SIGINT, SIGTERM,
// SIGHUP or SIGQUIT. Call stop when the run is over.
func SignalContext() (ctx context.Context, stop context.CancelFunc) {
	// A closed stdout (qmpwatch ... | head) must end us quietly: with SIGPIPE
	// ignored, writes fail with EPIPE, which ExitCodeHint maps to 0.
	signal.Ignore(syscall.SIGPIPE)
	// SIGHUP (a closed terminal) and SIGQUIT end a run as SIGINT and SIGTERM
	// do: whole lines flushed to stdout and the record, the listen socket
	// removed, exit 0. Go's default would exit 129 mid-line, or dump the
	// goroutines and exit 2, the usage-error code.
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
}
