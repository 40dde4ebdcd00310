package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/sim"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

type simulateOptions struct {
	speed  float64
	loop   bool
	retime bool
	maxGap time.Duration
	name   string
	once   bool
	mode   os.FileMode
}

func newSimulateCmd(a *app) *cobra.Command {
	o := &simulateOptions{}
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
			return runSimulate(cmd.Context(), a.streams, o, args)
		},
	}
	fs := cmd.Flags()
	fs.Float64Var(&o.speed, "speed", 1, "play at N times the recorded pace; 0 sends as fast as the client reads")
	fs.BoolVar(&o.loop, "loop", false, "play the recording again and again instead of closing after the last event")
	fs.BoolVar(&o.retime, "retime", false, "stamp events with the time they are sent instead of the recorded time")
	fs.DurationVar(&o.maxGap, "max-gap", 0, "never pause longer than this between two events (0: no limit)")
	fs.StringVar(&o.name, "name", "", "answer query-name with NAME when the recording does not say")
	fs.BoolVar(&o.once, "once", false, "exit after the first client's session")
	fs.Var(cmdutil.NewFileMode(&o.mode, 0o600), "socket-mode", "permissions of the unix socket, in octal: who may connect (0660 lets the group in)")
	return cmd
}

func runSimulate(ctx context.Context, s *iostreams.Streams, o *simulateOptions, args []string) error {
	if err := checkSpeed(o.speed); err != nil {
		return err
	}
	addr, err := conn.ParseAddr(args[0])
	if err != nil {
		return err // coded: a usage error
	}
	var rec *sim.Recording
	if len(args) == 2 {
		rec, err = sim.LoadFile(ctx, args[1])
	} else {
		rec, err = sim.LoadBytes(ctx, "demo", sim.Demo)
	}
	if err != nil {
		return fmt.Errorf("simulate: %s: %w", recordingName(args), err)
	}
	ln, err := source.ListenSocket(addr, o.mode)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	fmt.Fprintf(s.ErrOut, "qmpwatch: simulating a QEMU monitor on %s: %d events from %s\n", addr, rec.Events, recordingName(args))
	srv := sim.NewServer(rec, sim.Options{
		Speed: o.speed, Loop: o.loop, Retime: o.retime, MaxGap: o.maxGap, Name: o.name, Once: o.once,
		Logf: func(format string, a ...any) { fmt.Fprintf(s.ErrOut, "qmpwatch: simulate: "+format+"\n", a...) },
	})
	return srv.Serve(ctx, ln)
}

func recordingName(args []string) string {
	if len(args) == 2 {
		return args[1]
	}
	return "the built-in demo recording"
}

// checkSpeed refuses a negative --speed (simulate, demo).
func checkSpeed(speed float64) error {
	if speed < 0 {
		return exitcode.Usagef("--speed must be 0 or more")
	}
	return nil
}
