package main

import (
	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/gendocs"
)

// newGenDocsCmd is the hidden command behind `make man` and docs/cli.
func newGenDocsCmd() *cobra.Command {
	var o gendocs.Options
	cmd := &cobra.Command{
		Use:    "gendocs --man DIR | --markdown DIR",
		Short:  "Write the man pages or the markdown reference of every command",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Root())
		},
	}
	cmd.Flags().StringVar(&o.Man, "man", "", "write qmpwatch.1 and qmpwatch-COMMAND.1 into DIR")
	cmd.Flags().StringVar(&o.Markdown, "markdown", "", "write qmpwatch.md and qmpwatch_COMMAND.md into DIR")
	return cmd
}
