package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	cmdrun "github.com/qmpwatch/qmpwatch/internal/run"
	"github.com/qmpwatch/qmpwatch/internal/sim"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

type demoOptions struct {
	cmdutil.EventOptions
	speed float64
}

func newDemoCmd(a *app) *cobra.Command {
	o := &demoOptions{}
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
			return runDemo(cmd.Context(), a.streams, o)
		},
	}
	fs := cmd.Flags()
	cmdutil.AddOutputFlags(fs, &o.EventOptions)
	cmdutil.AddFilterFlags(fs, &o.EventOptions)
	cmdutil.AddSchemaFlags(fs, &o.EventOptions)
	fs.Float64Var(&o.speed, "speed", 0.5, "play at N times the recorded pace; 0 as fast as possible")
	return cmd
}

func runDemo(ctx context.Context, s *iostreams.Streams, o *demoOptions) error {
	if err := checkSpeed(o.speed); err != nil {
		return err
	}
	rec, err := sim.LoadBytes(ctx, "demo", sim.Demo)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	dir, err := os.MkdirTemp("", "qmpwatch-demo-")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "demo.qmp")
	ln, err := source.ListenSocket(conn.Addr{Network: "unix", Address: sock}, 0o600)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() {
		// Retimed, so the events read as happening now; long pauses capped.
		served <- sim.NewServer(rec, sim.Options{Speed: o.speed, Once: true, Retime: true, MaxGap: 1500 * time.Millisecond}).Serve(sctx, ln)
	}()
	fmt.Fprintln(s.ErrOut, "qmpwatch: demo: replaying a session recorded from a real QEMU 7.2, as if live")
	w := &cmdrun.WatchOptions{EventOptions: o.EventOptions}
	w.Complete([]string{sock})
	if err = w.Validate(); err == nil {
		err = cmdrun.Watch(sctx, s, w)
	}
	cancel()
	<-served
	if err == nil && ctx.Err() == nil {
		fmt.Fprintln(s.ErrOut, "qmpwatch: demo: that was all. To watch a real VM, give QEMU a monitor for qmpwatch,\n"+
			"  -qmp unix:/tmp/vm1.qmp,server=on,wait=off\nand run: qmpwatch watch /tmp/vm1.qmp")
	}
	return err
}
