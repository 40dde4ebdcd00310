package run

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/safe"
	"github.com/qmpwatch/qmpwatch/internal/sim"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// SimulateOptions are simulate's flags and arguments.
type SimulateOptions struct {
	Speed  float64
	Loop   bool
	Retime bool
	MaxGap time.Duration
	Name   string // query-name's answer when the recording does not say
	Once   bool
	Mode   os.FileMode // of the unix socket
	Addr   string      // ADDRESS
	File   string      // FILE, "" for the built-in demo recording

	addr conn.Addr // Addr, parsed by Validate
	file bool      // FILE was given, even as "": the demo is only for no FILE
}

// Complete takes ADDRESS and the optional FILE.
func (o *SimulateOptions) Complete(args []string) {
	o.Addr = args[0]
	if len(args) == 2 {
		o.File, o.file = args[1], true
	}
}

// Validate checks the speed and the address, opening nothing.
func (o *SimulateOptions) Validate() error {
	if err := simulateCheckSpeed(o.Speed); err != nil {
		return err
	}
	addr, err := conn.ParseAddr(o.Addr)
	if err != nil {
		return err // coded: a usage error
	}
	o.addr = addr
	return nil
}

// Simulate serves the recording as a QMP monitor until ctx ends (or, with
// Once, the first client's session does).
func Simulate(ctx context.Context, s *iostreams.Streams, o *SimulateOptions) error {
	var rec *sim.Recording
	var err error
	if o.file {
		rec, err = sim.LoadFile(ctx, o.File)
	} else {
		rec, err = sim.LoadBytes(ctx, "demo", sim.Demo)
	}
	if err != nil {
		return fmt.Errorf("simulate: %s: %w", o.recordingName(), err)
	}
	ln, err := source.ListenSocket(o.addr, o.Mode)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	fmt.Fprintf(s.ErrOut, "qmpwatch: simulating a QEMU monitor on %s: %d events from %s\n", safe.String(o.addr.String()), rec.Events, safe.String(o.recordingName()))
	srv := sim.NewServer(rec, sim.Options{
		Speed: o.Speed, Loop: o.Loop, Retime: o.Retime, MaxGap: o.MaxGap, Name: o.Name, Once: o.Once,
		Logf: func(format string, a ...any) { fmt.Fprintf(s.ErrOut, "qmpwatch: simulate: "+format+"\n", a...) },
	})
	return srv.Serve(ctx, ln)
}

func (o *SimulateOptions) recordingName() string {
	if o.file {
		return o.File
	}
	return "the built-in demo recording"
}

// simulateCheckSpeed refuses a negative --speed (simulate, demo).
func simulateCheckSpeed(speed float64) error {
	if speed < 0 {
		return exitcode.Usagef("--speed must be 0 or more")
	}
	return nil
}
