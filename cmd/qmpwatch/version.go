package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/version"
)

func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:         "version",
		Annotations: cmdutil.Annotate(cmdutil.ArgsNone),
		Short:       "Print qmpwatch's version, commit and Go version (also qmpwatch --version)",
		Example:     "  qmpwatch version\n  qmpwatch --version",
		Args:        cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(a.streams.Out, version.Text())
			return exitcode.WriteErr(err)
		},
	}
}
