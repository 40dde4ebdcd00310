// Command qmpwatch watches the QMP event stream of QEMU virtual machines.
package main

import (
	"os"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
)

func main() {
	os.Exit(mainRun(os.Args[1:]))
}

// mainRun is main without os.Exit, which the tests' copy of the binary
// runs too: the real streams and the same signals.
func mainRun(args []string) int {
	ctx, stop := cmdutil.SignalContext()
	defer stop()
	return run(ctx, args, iostreams.System())
}
