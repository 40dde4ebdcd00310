package main

import (
	"context"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/config"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
)

// app is what every command shares: the streams and the config.
type app struct {
	streams *iostreams.Streams
	config  config.State // --config, and where each flag of the command run got its value
	started bool         // a command's own code began to run (flags and args were fine)
}

// run is the whole program behind main, with injected streams, so that tests
// exercise exactly what a user runs.
func run(ctx context.Context, args []string, s *iostreams.Streams) int {
	a := &app{streams: s}
	cmd, err := cmdutil.Execute(ctx, newRootCmd(a), args, s)
	return cmdutil.ExitCodeHint(err, a.started, s.ErrOut, cmdutil.HelpHint(cmd))
}
