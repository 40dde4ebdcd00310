package run

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// TestWatchValidateRefuses: each usage error of watch is found by
// Validate, which opens nothing.
func TestWatchValidateRefuses(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		set  func(o *WatchOptions)
		want string
	}{
		{"exec jobs", []string{"a.qmp"}, func(o *WatchOptions) { o.Exec, o.ExecQueue, o.ExecTimeout = "true", 1, 1 }, "--exec-jobs must be positive"},
		{"label of many", []string{"a.qmp", "b.qmp"}, func(o *WatchOptions) { o.Label = "x" }, "--label"},
		{"libvirt live schema", []string{"qemu:///system"}, func(o *WatchOptions) { o.Schema = "live" }, "--schema live"},
		{"publish from nats", []string{"nats://127.0.0.1:4222"}, func(o *WatchOptions) { o.Publish = "nats://127.0.0.1:4222" }, "--publish takes events from monitors"},
		{"host label alone", []string{"a.qmp"}, func(o *WatchOptions) { o.HostLabel = "h" }, "--host-label goes with --publish"},
		{"no dir", []string{"a.qmp"}, func(o *WatchOptions) { o.Dir = filepath.Join(t.TempDir(), "nowhere") }, "not a folder"},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := &WatchOptions{}
			c.set(o)
			o.Complete(c.args)
			eventsWantUsage(t, o.Validate(), c.want)
		})
	}
}

// TestWatchValidateAccepts: the limits of --exec are only checked when
// --exec is given (demo fills none of them).
func TestWatchValidateAccepts(t *testing.T) {
	o := &WatchOptions{}
	o.Complete([]string{"tcp:127.0.0.1:4444"})
	eventsWantUsage(t, o.Validate(), "")
	if _, ok := o.src.Single(); !ok {
		t.Errorf("one address is not a single watch")
	}
}

// TestWatchStateEnd: --fail-without-shutdown turns a clean end into exit
// 5 only when a VM went away without a SHUTDOWN, and never hides an error.
func TestWatchStateEnd(t *testing.T) {
	var w WatchState
	if err := w.End(nil, true); err != nil {
		t.Errorf("no VM gone: End = %v", err)
	}
	w.gone.Store(true)
	if got := exitcode.Of(w.End(nil, true)); got != exitcode.Gone {
		t.Errorf("a VM gone: exit %d, want %d", got, exitcode.Gone)
	}
	if err := w.End(nil, false); err != nil {
		t.Errorf("without --fail-without-shutdown: End = %v", err)
	}
	boom := errors.New("boom")
	if err := w.End(boom, true); err != boom {
		t.Errorf("End(boom) = %v", err)
	}
}

// TestWatchStateStatus: a connection change is one notice on stderr,
// silenced by -q, and a failure to connect is not a VM gone.
func TestWatchStateStatus(t *testing.T) {
	s, out, errOut := iostreams.Test("")
	var w WatchState
	st := source.Status{Kind: source.Disconnected, VM: "vm\x1b1", Addr: "/run/vm1.qmp", Err: errors.New("refused"), Failure: true}
	w.Status(s, st)
	if got, want := errOut.String(), source.StatusLine(st)+"\n"; got != want || out.Len() != 0 {
		t.Errorf("stderr %q, stdout %q; want stderr %q", got, out, want)
	}
	if strings.Contains(errOut.String(), "\x1b") {
		t.Errorf("the VM's name is not escaped: %q", errOut)
	}
	if w.gone.Load() {
		t.Errorf("a failure to connect counts as a VM gone")
	}
	s.Quiet = true
	errOut.Reset()
	w.Status(s, st)
	if errOut.Len() != 0 {
		t.Errorf("-q: stderr %q", errOut)
	}
}
