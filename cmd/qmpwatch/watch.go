package main

import (
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	cmdrun "github.com/qmpwatch/qmpwatch/internal/run"
)

func newWatchCmd(a *app) *cobra.Command {
	o := &cmdrun.WatchOptions{}
	cmd := &cobra.Command{
		Use:         "watch ADDRESS...",
		Annotations: cmdutil.Annotate(cmdutil.ArgsAddress),
		Short:       "Print the live events of a QEMU monitor",
		Long: `Connect to a QEMU QMP monitor and print every event it sends until QEMU closes
the connection or you interrupt. ADDRESS is a unix socket path (/run/vm1.qmp or
unix:/run/vm1.qmp) or a TCP address (tcp:127.0.0.1:4444, 127.0.0.1:4444, [::1]:4444).

QEMU serves one QMP client at a time: give the VM a second monitor for qmpwatch,
e.g. -qmp unix:/run/vm1-watch.qmp,server=on,wait=off.

ADDRESS nats://[user:pass@]host:port reads the fleet stream that qmpwatch
--publish fills on each host, through NATS JetStream (--host, --vm, --since,
--durable; see docs/fleet.md).

Output is pretty on a terminal and JSON lines (QEMU's event plus "vm") in a pipe.`,
		Example: `  qmpwatch watch /run/vm1.qmp
  qmpwatch watch tcp:127.0.0.1:4444 -o pretty
  qmpwatch watch vm1.qmp -o json | jq .data
  qmpwatch watch vm1.qmp --label web1 | grep --line-buffered SHUTDOWN
  qmpwatch watch qemu:///system --domain 'web*'   # libvirt's domains (docs/libvirt.md)
  qmpwatch watch --dir /run/qemu --reconnect --publish nats://nats:4222 --host-label $(hostname)
  qmpwatch watch nats://nats:4222 --host 'db-*' --since 1h -o json`,
		Args: watchArgs(&o.Dir),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Complete(args)
			if err := o.Validate(); err != nil {
				return err
			}
			return cmdrun.Watch(cmd.Context(), a.streams, o)
		},
	}
	fs := cmd.Flags()
	cmdutil.AddOutputFlags(fs, &o.EventOptions)
	cmdutil.AddFilterFlags(fs, &o.EventOptions)
	cmdutil.AddSchemaFlags(fs, &o.EventOptions)
	fs.DurationVar(&o.GreetingTimeout, "greeting-timeout", 5*time.Second, "how long to wait for QEMU's greeting after connecting")
	fs.DurationVar(&o.DialTimeout, "connect-timeout", 5*time.Second, "how long to wait for the connection")
	cmdutil.AddQueryTimeoutFlag(fs, &o.QueryTimeout)
	cmdutil.AddMultiFlags(fs, &o.MultiOptions)
	cmdutil.AddLibvirtFlags(fs, &o.LibvirtOptions)
	fs.StringVar(&o.Record, "record", "", "append every event received, before any filter, to FILE as json lines (mode 0600) for replay")
	cmdutil.AddFleetFlags(fs, &o.FleetOptions)
	cmdutil.AddOTLPFlag(fs, &o.OTLP)
	cmdutil.AddExecFlags(fs, &o.ExecOptions)
	return cmd
}

// watchArgs accepts no ADDRESS only with --dir.
func watchArgs(dir *string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cmdutil.FilterAsFollow(cmd, args); err != nil {
			return err
		}
		if len(args) == 0 && *dir == "" {
			return errors.New("accepts 1 arg or more (ADDRESS...), or --dir DIR; received 0")
		}
		return nil
	}
}
