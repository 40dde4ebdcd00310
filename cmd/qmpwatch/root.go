package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/complete"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/version"
)

// app is what every command shares: the streams and the config file flag.
type app struct {
	streams    *iostreams.Streams
	configFile string
	started    bool                    // a command's own code began to run (flags and args were fine)
	sources    map[string]configSource // where each flag of the command run got its value
}

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
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       version.Text(),
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			a.started = true
			return a.loadConfig(cmd) // its errors carry their codes
		},
	}
	root.SetVersionTemplate("{{.Version}}\n")
	// Our own --version, without the -v shorthand cobra would add: -v is
	// --verbose on the commands that print events.
	root.Flags().Bool("version", false, "print the version (the same as qmpwatch version)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return exitcode.With(exitcode.Usage, cmdutil.SuggestFlag(c, err))
	})
	root.DisableSuggestions = true // cmdutil.SuggestCommand says it, through internal/nearest
	root.PersistentFlags().StringVar(&a.configFile, "config", "", "config file (default $XDG_CONFIG_HOME/qmpwatch/config.yaml)")
	root.PersistentFlags().BoolVarP(&a.streams.Quiet, "quiet", "q", false, "no notices on stderr (connections, skipped lines, warnings); errors are still printed")
	root.AddCommand(
		newWatchCmd(a),
		newVersionCmd(a),
		newEventsCmd(a),
		newReplayCmd(a), newSimulateCmd(a), newDemoCmd(a),
		newSessionsCmd(a), newJobsCmd(a), newStatusCmd(a), newTopCmd(a),
		newListenCmd(a), newServeCmd(a), newProxyCmd(a),
		newConfigCmd(a),
		newGenDocsCmd(),
	)
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
	complete.Register(root, configCommands)
	return root
}

// run is the whole program behind main, with injected streams, so that tests
// exercise exactly what a user runs.
func run(ctx context.Context, args []string, s *iostreams.Streams) int {
	a := &app{streams: s}
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.ErrOut)
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil && cmd == root {
		err = cmdutil.SuggestCommand(root, err)
	}
	return cmdutil.ExitCodeHint(err, a.started, s.ErrOut, cmdutil.HelpHint(cmd))
}
