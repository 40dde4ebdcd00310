package main

import (
	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	cmdrun "github.com/qmpwatch/qmpwatch/internal/run"
)

func newSimulateCmd(a *app) *cobra.Command {
	o := &cmdrun.SimulateOptions{}
	cmd := &cobra.Command{
		Use:   "simulate ADDRESS [FILE]",
		Short: "Serve a recorded session as a QMP monitor, for testing scripts without a VM",
		Long: `Serve a QMP monitor on ADDRESS (a unix socket path or tcp:HOST:PORT) that
plays a recording: the recorded greeting (or a QEMU 7.2 one), qmp_capabilities,
answers to query-name, query-status and query-version (and query-qmp-schema when
the recording holds its reply), QEMU's CommandNotFound error for anything else,
and the recorded events at their recorded pace. After the last event the
connection is closed, as QEMU's is when it exits; --loop plays on instead.

FILE is anything replay reads (a raw QMP transcript, qmpwatch json lines, virsh
output, gzip); without it, the demo session built into qmpwatch is served.

Like QEMU, it serves one client at a time: a second client connects but gets no
greeting until the first one leaves. It runs until interrupted (or, with
--once, until the first client's session ends). A unix socket is created with
mode 0600 (only its owner may connect) unless --socket-mode says otherwise.`,
		Example: `  qmpwatch simulate /tmp/sim.qmp &  qmpwatch watch /tmp/sim.qmp
  qmpwatch simulate tcp:127.0.0.1:4444 recorded.log --speed 10 --loop
  qmpwatch simulate /tmp/sim.qmp big.log --speed 0 --once`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Complete(args)
			if err := o.Validate(); err != nil {
				return err
			}
			return cmdrun.Simulate(cmd.Context(), a.streams, o)
		},
	}
	fs := cmd.Flags()
	fs.Float64Var(&o.Speed, "speed", 1, "play at N times the recorded pace; 0 sends as fast as the client reads")
	fs.BoolVar(&o.Loop, "loop", false, "play the recording again and again instead of closing after the last event")
	fs.BoolVar(&o.Retime, "retime", false, "stamp events with the time they are sent instead of the recorded time")
	fs.DurationVar(&o.MaxGap, "max-gap", 0, "never pause longer than this between two events (0: no limit)")
	fs.StringVar(&o.Name, "name", "", "answer query-name with NAME when the recording does not say")
	fs.BoolVar(&o.Once, "once", false, "exit after the first client's session")
	fs.Var(cmdutil.NewFileMode(&o.Mode, 0o600), "socket-mode", "permissions of the unix socket, in octal: who may connect (0660 lets the group in)")
	return cmd
}
