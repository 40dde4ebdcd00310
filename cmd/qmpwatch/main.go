// Command qmpwatch watches the QMP event stream of QEMU virtual machines.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/qmpwatch/qmpwatch/internal/iostreams"
)

func main() {
	os.Exit(mainRun(os.Args[1:]))
}

// mainRun is main without os.Exit, which the tests' copy of the binary
// runs too: the real streams and the same signals.
func mainRun(args []string) int {
	// A closed stdout (qmpwatch ... | head) must end us quietly: with SIGPIPE
	// ignored, writes fail with EPIPE, which cmdutil.ExitCode maps to 0.
	signal.Ignore(syscall.SIGPIPE)
	// SIGHUP (a closed terminal) and SIGQUIT end a run as SIGINT and SIGTERM
	// do: whole lines flushed to stdout and the record, the listen socket
	// removed, exit 0. Go's default would exit 129 mid-line, or dump the
	// goroutines and exit 2, the usage-error code.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	defer stop()
	return run(ctx, args, iostreams.System())
}
