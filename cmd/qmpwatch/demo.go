package main

import (
	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	cmdrun "github.com/qmpwatch/qmpwatch/internal/run"
)

func newDemoCmd(a *app) *cobra.Command {
	o := &cmdrun.DemoOptions{}
	cmd := &cobra.Command{
		Use:         "demo",
		Annotations: cmdutil.Annotate(cmdutil.ArgsNone),
		Short:       "Watch a recorded VM session live, with nothing to install or start",
		Long: `Play a session recorded from a real QEMU 7.2 (VNC and SPICE clients connecting,
a guest disk I/O error that pauses the VM, a mirror block job, the clients
leaving, guest resets and a guest shutdown) on a private QMP socket, and watch
it exactly as 'qmpwatch watch' watches a real VM: the same checks, filters and
output flags apply. It takes about ten seconds.`,
		Example: `  qmpwatch demo
  qmpwatch demo -o json | jq -c '{event, data}'
  qmpwatch demo -e 'SPICE_*' --speed 4`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Validate(a.streams); err != nil {
				return err
			}
			return cmdrun.Demo(cmd.Context(), a.streams, o)
		},
	}
	fs := cmd.Flags()
	cmdutil.AddOutputFlags(fs, &o.EventOptions)
	cmdutil.AddFilterFlags(fs, &o.EventOptions)
	cmdutil.AddSchemaFlags(fs, &o.EventOptions)
	fs.Float64Var(&o.Speed, "speed", 0.5, "play at N times the recorded pace; 0 as fast as possible")
	return cmd
}
