package main

import (
	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/complete"
	"github.com/qmpwatch/qmpwatch/internal/version"
)

const rootLong = `qmpwatch watches the event stream of QEMU virtual machines over QMP, checks every
event against the documented schema, filters events, and prints them for people
(coloured sentences), for scripts (JSON lines) or as a table.

It only ever sends qmp_capabilities and query-* commands: it cannot change a VM.

Exit codes:
  0  normal end (QEMU closed the connection, interrupted, --count or --until reached)
  1  runtime or connection error
  2  usage error
  3  bad filter or template expression
  4  an awaited event (--count, --until) did not arrive before --timeout or the end
  5  watch --fail-without-shutdown: QEMU went away without a SHUTDOWN (killed, crashed)

Configuration: flags not given on the command line are taken from QMPWATCH_<FLAG>
environment variables (QMPWATCH_GREETING_TIMEOUT=10s), then from
$XDG_CONFIG_HOME/qmpwatch/config.yaml (or --config FILE), whose keys are flag names.`

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "qmpwatch",
		Short: "Watch, check and filter the QMP events of QEMU virtual machines",
		Long:  rootLong,
		Example: `  qmpwatch demo                               # a recorded VM, no QEMU needed
  qmpwatch watch /run/vm1.qmp                 # live events of one VM
  qmpwatch watch vm1.qmp -o json | jq .data   # JSON lines for scripts`,
		Version: version.Text(),
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			a.started = true
			return a.config.Load(cmd, a.streams) // its errors carry their codes
		},
	}
	cmdutil.InitRoot(root)
	// Our own --version, without the -v shorthand cobra would add: -v is
	// --verbose on the commands that print events.
	root.Flags().Bool("version", false, "print the version (the same as qmpwatch version)")
	root.PersistentFlags().StringVar(&a.config.Path, "config", "", "config file (default $XDG_CONFIG_HOME/qmpwatch/config.yaml)")
	root.PersistentFlags().BoolVarP(&a.streams.Quiet, "quiet", "q", false, "no notices on stderr (connections, skipped lines, warnings); errors are still printed")
	root.AddCommand(newWatchCmd(a), newVersionCmd(a), newEventsCmd(a),
		newReplayCmd(a), newSimulateCmd(a), newDemoCmd(a),
		newSessionsCmd(a), newJobsCmd(a), newStatusCmd(a), newTopCmd(a),
		newListenCmd(a), newServeCmd(a), newProxyCmd(a), newConfigCmd(a), newGenDocsCmd())
	// cobra's own completion command, given examples like every other.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			complete.StandaloneBash(c)
			c.Example = `  qmpwatch completion bash > /etc/bash_completion.d/qmpwatch
  source <(qmpwatch completion bash)        # this shell only
  qmpwatch completion zsh > "${fpath[1]}/_qmpwatch"
  qmpwatch completion fish > ~/.config/fish/completions/qmpwatch.fish`
		}
	}
	complete.Register(root, cmdutil.ConfigCommands)
	return root
}
