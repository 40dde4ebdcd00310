package config

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
)

// State is the config of one run: the --config flag's value, and after
// Load where each flag of the command run got its value.
type State struct {
	Path    string // --config; "" for the default file
	Sources map[string]Source
}

// Load is the root's PersistentPreRunE: fill cmd's flags from the
// environment and the file, then warn (once, as this runs once) about keys
// no command knows. Its errors carry their exit codes.
func (s *State) Load(cmd *cobra.Command, streams *iostreams.Streams) error {
	cf, err := Read(s.Path)
	if err != nil {
		return err
	}
	src, err := cf.Apply(cmd, streams.OutTTY)
	if err != nil {
		return exitcode.With(exitcode.Usage, err)
	}
	s.Sources = src
	for _, w := range cf.UnknownKeys(cmd.Root()) {
		fmt.Fprintf(streams.Notices(), "qmpwatch: warning: %s\n", cmdutil.SafeLines(w))
	}
	return nil
}
