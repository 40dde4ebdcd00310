// Package complete is qmpwatch's shell completion, in one registry: flags
// are completed by their name wherever they appear (flagCompletions),
// flags with a fixed set of values by those values (any flag value with
// Values(), as cmdutil's enums and -o), and positional arguments by the
// kind a command declares in its annotations (cmdutil.ArgsKey). A new
// command that reuses a flag name, or declares its arguments' kind, is
// completed with no more code: Register walks the whole tree.
package complete

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
)

type completeFunc = func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective)

// flagCompletions completes flags by name, on every command that has them.
var flagCompletions = map[string]completeFunc{
	"event":          completeEventList,
	"exclude":        completeEventList,
	"until":          completeEventName,
	"where":          completeWhere,
	"dir":            completeDirs,
	"live":           completeAddresses,
	"config":         completeExt("yaml", "yml"),
	"template-file":  completeFiles,
	"record":         completeFiles,
	"label":          completeNothing,
	"filter":         completeNothing,
	"jq":             completeNothing,
	"template":       completeNothing,
	"dir-glob":       completeNothing,
	"exclude-socket": completeNothing,
	"domain":         completeDomains,
}

// argCompletions completes positional arguments by the command's kind.
// cmdutil.ArgsCommand is not here: which commands it offers is the
// caller's rule, given to Register.
var argCompletions = map[string]completeFunc{
	cmdutil.ArgsAddress: completeAddresses,
	cmdutil.ArgsLog:     completeLogs,
	cmdutil.ArgsEvent: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return completeEventName(cmd, args, toComplete)
	},
	cmdutil.ArgsNone: completeNothing,
	cmdutil.ArgsTracker: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if replay, _ := cmd.Flags().GetBool("replay"); replay {
			return completeLogs(cmd, args, toComplete)
		}
		return completeAddresses(cmd, args, toComplete)
	},
}

// valuesFlag is a flag with a fixed set of values.
type valuesFlag interface{ Values() []string }

// Register wires the registry into every command of the tree under root.
// commands lists, from the root, the commands an argument of kind
// cmdutil.ArgsCommand may name (`qmpwatch config COMMAND`): the rule is
// the config file's, so it is passed in rather than repeated here.
func Register(root *cobra.Command, commands func(root *cobra.Command) []*cobra.Command) {
	args := func(kind string) (completeFunc, bool) {
		if kind == cmdutil.ArgsCommand {
			return completeCommands(commands), true
		}
		fn, ok := argCompletions[kind]
		return fn, ok
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		each := func(f *pflag.Flag) {
			if _, ok := c.GetFlagCompletionFunc(f.Name); ok {
				return
			}
			fn := flagCompletions[f.Name]
			if v, ok := f.Value.(valuesFlag); ok {
				fn = completeValues(v.Values())
			}
			if fn != nil {
				_ = c.RegisterFlagCompletionFunc(f.Name, fn)
			}
		}
		c.LocalNonPersistentFlags().VisitAll(each)
		c.PersistentFlags().VisitAll(each)
		if fn, ok := args(c.Annotations[cmdutil.ArgsKey]); ok && c.ValidArgsFunction == nil {
			c.ValidArgsFunction = fn
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// completeCommands offers the names of the commands that commands lists.
func completeCommands(commands func(*cobra.Command) []*cobra.Command) completeFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, c := range commands(cmd.Root()) {
			if strings.HasPrefix(c.Name(), toComplete) {
				out = append(out, c.Name())
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

func completeValues(vals []string) completeFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, v := range vals {
			if strings.HasPrefix(v, toComplete) {
				out = append(out, v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

func completeNothing(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveNoFileComp
}
