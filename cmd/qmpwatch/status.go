package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	cmdrun "github.com/qmpwatch/qmpwatch/internal/run"
)

func newStatusCmd(a *app) *cobra.Command {
	o := &cmdrun.StatusOptions{}
	cmd := &cobra.Command{
		Use:         "status ADDRESS...",
		Annotations: cmdutil.Annotate(cmdutil.ArgsAddress),
		Short:       "Print each VM's name, QEMU version and run state, then exit",
		Long: `Connect to each monitor, ask QEMU for the VM's name and run state, print one
line per VM and exit. The state is QEMU's own: running, paused, prelaunch (started
with -S), suspended, shutdown (with -no-shutdown), io-error, watchdog,
guest-panicked, inmigrate, postmigrate, ...

Exit status 1 when any monitor could not be asked; the others are still printed.`,
		Example: `  qmpwatch status /run/vm1.qmp /run/vm2.qmp
  qmpwatch status /run/*.qmp -o json | jq -r 'select(.status != "running") | .vm'
  qmpwatch status qemu:///system   # every libvirt domain: state and reason (docs/libvirt.md)`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Complete(args)
			if err := o.Validate(); err != nil {
				return err
			}
			return cmdrun.Status(cmd.Context(), a.streams, o)
		},
	}
	fs := cmd.Flags()
	cmdutil.AddOutputFlag(fs, &o.Output, "output: pretty (aligned columns; table is the same) or json (one object per VM); default pretty on a terminal, json otherwise", "pretty", "json")
	cmdutil.AddColorFlag(fs, &o.Color)
	fs.DurationVar(&o.GreetingTimeout, "greeting-timeout", 5*time.Second, "how long to wait for QEMU's greeting after connecting")
	fs.DurationVar(&o.DialTimeout, "connect-timeout", 5*time.Second, "how long to wait for the connection")
	cmdutil.AddQueryTimeoutFlag(fs, &o.QueryTimeout)
	cmdutil.AddLibvirtFlags(fs, &o.LibvirtOptions)
	return cmd
}
