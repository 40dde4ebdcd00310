package main

import (
	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
)

func newConfigCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config [COMMAND...]",
		Short: "Show every setting's effective value and where it came from",
		Long: `Show, for each command (or the commands named), every setting with the value
that command would use now and its source: flag, env QMPWATCH_<FLAG>, file
FILE: KEY (the command's section, or the top level), or default.

The output setting depends on stdout: the file's output applies on a terminal,
its pipe-output in a pipe; this command shows the one for a terminal.
See docs/configuration.md.`,
		Example: `  qmpwatch config
  qmpwatch config watch
  QMPWATCH_TIME=utc qmpwatch config replay --config ~/qmpwatch-ci.yaml`,
		Annotations: cmdutil.Annotate(cmdutil.ArgsCommand),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.config.Show(cmd.Root(), args, a.streams)
		},
	}
	return cmd
}
