// Command qmpwatch watches the QMP event stream of QEMU virtual machines.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// A closed stdout (qmpwatch ... | head) must end us quietly: with SIGPIPE
	// ignored, writes fail with EPIPE, which exitCode maps to 0.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], SystemStreams())
	stop()
	os.Exit(code)
}
