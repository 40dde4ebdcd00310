package cmdutil

import "github.com/spf13/cobra"

// ConfigCommands are the commands whose flags a config file may set (and
// that `qmpwatch config` shows and completes): every command but the
// hidden ones, help, completion and config itself.
func ConfigCommands(root *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	for _, c := range root.Commands() {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" || c.Name() == "config" {
			continue
		}
		out = append(out, c)
	}
	return out
}
