package cmdutil

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
)

// InitRoot sets what the root command does with errors: it prints none
// itself (ExitCodeHint prints each once, with its code), shows no usage on
// a failed run, and words unknown flags and commands through
// internal/nearest (cobra's own suggestions are off).
func InitRoot(root *cobra.Command) {
	root.SilenceErrors = true
	root.SilenceUsage = true
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return exitcode.With(exitcode.Usage, SuggestFlag(c, err))
	})
	root.DisableSuggestions = true // SuggestCommand says it
}

// Execute runs root with args on the streams s, and returns the command
// that ran (or failed) and its error, an unknown command's with the
// nearest one.
func Execute(ctx context.Context, root *cobra.Command, args []string, s *iostreams.Streams) (*cobra.Command, error) {
	root.SetArgs(args)
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.ErrOut)
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil && cmd == root {
		err = SuggestCommand(root, err)
	}
	return cmd, err
}
