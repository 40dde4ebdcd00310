package run

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/sim"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// DemoOptions are demo's flags.
type DemoOptions struct {
	cmdutil.EventOptions
	Speed float64
}

// Validate checks the flags, opening nothing: the event flags too, which
// watch checks as it builds its pipeline, after demo's socket exists.
func (o *DemoOptions) Validate(s *iostreams.Streams) error {
	if err := simulateCheckSpeed(o.Speed); err != nil {
		return err
	}
	return o.EventOptions.Check(s, false)
}

// Demo serves the built-in recording on a private socket and watches it.
func Demo(ctx context.Context, s *iostreams.Streams, o *DemoOptions) error {
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
		served <- sim.NewServer(rec, sim.Options{Speed: o.Speed, Once: true, Retime: true, MaxGap: 1500 * time.Millisecond}).Serve(sctx, ln)
	}()
	fmt.Fprintln(s.ErrOut, "qmpwatch: demo: replaying a session recorded from a real QEMU 7.2, as if live")
	// Watched exactly as `qmpwatch watch SOCKET` would, with the event flags.
	w := &WatchOptions{EventOptions: o.EventOptions}
	w.Complete([]string{sock})
	if err = w.Validate(); err == nil {
		err = Watch(sctx, s, w)
	}
	cancel()
	<-served
	if err == nil && ctx.Err() == nil {
		fmt.Fprintln(s.ErrOut, "qmpwatch: demo: that was all. To watch a real VM, give QEMU a monitor for qmpwatch,\n"+
			"  -qmp unix:/tmp/vm1.qmp,server=on,wait=off\nand run: qmpwatch watch /tmp/vm1.qmp")
	}
	return err
}
