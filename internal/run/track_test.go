package run

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/trackview"
	"github.com/qmpwatch/qmpwatch/internal/tui"
)

// TestTrackValidate: every refusal of sessions and jobs is a usage error
// found by Validate, which opens nothing (the addresses here lead nowhere).
func TestTrackValidate(t *testing.T) {
	nowhere := filepath.Join(t.TempDir(), "nowhere")
	for _, c := range []struct {
		name string
		jobs bool
		opt  cmdutil.TrackerOptions
		args []string
		want string // "" when accepted
	}{
		{name: "jobs interval", jobs: true, args: []string{"a.qmp"}, want: "--interval must be positive, got 0s"},
		{name: "sessions polls nothing", args: []string{"a.qmp"}},
		{name: "jobs", jobs: true, opt: cmdutil.TrackerOptions{Interval: time.Second}, args: []string{"a.qmp", "tcp:localhost:1"}},
		{name: "replay dir", opt: cmdutil.TrackerOptions{Replay: true, DirOptions: cmdutil.DirOptions{Dir: "."}}, args: []string{"a.log"}, want: "--dir and --reconnect watch live monitors"},
		{name: "replay reconnect", opt: cmdutil.TrackerOptions{Replay: true, Reconnect: true}, args: []string{"a.log"}, want: "--dir and --reconnect watch live monitors"},
		{name: "two stdins", opt: cmdutil.TrackerOptions{Replay: true}, args: []string{"-", "a.log", "-"}, want: "standard input (-) given twice"},
		{name: "replay nats", opt: cmdutil.TrackerOptions{Replay: true}, args: []string{"nats://127.0.0.1:4222"}, want: "--replay reads logs, not a nats:// source"},
		{name: "replay logs", opt: cmdutil.TrackerOptions{Replay: true, Label: "vm"}, args: []string{"-", "a.log", "b.log"}},
		{name: "since", opt: cmdutil.TrackerOptions{FleetReadOptions: cmdutil.FleetReadOptions{Since: "not-a-time"}}, args: []string{"nats://127.0.0.1:4222"}, want: "--since"},
		{name: "label", opt: cmdutil.TrackerOptions{Label: "x"}, args: []string{"a.qmp", "b.qmp"}, want: "--label names one VM"},
		{name: "dir", opt: cmdutil.TrackerOptions{DirOptions: cmdutil.DirOptions{Dir: nowhere}}, want: "not a folder"},
		{name: "libvirt dir", opt: cmdutil.TrackerOptions{DirOptions: cmdutil.DirOptions{Dir: "."}}, args: []string{"qemu:///system"}, want: "--dir watches QMP sockets"},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := &TrackOptions{TrackerOptions: c.opt, View: trackview.NewSessionsView()}
			if c.jobs {
				o.View = trackview.NewJobsView()
			}
			o.Complete(c.args)
			err := o.Validate()
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want == "":
				if (o.src == nil) != o.Replay {
					t.Errorf("live sources %v with --replay %v", o.src, o.Replay)
				}
			case err == nil || !strings.Contains(err.Error(), c.want) || exitcode.Of(err) != exitcode.Usage:
				t.Errorf("error %v (exit %d), want a usage error with %q", err, exitcode.Of(err), c.want)
			}
		})
	}
}

// TestTrackTUIErr: the end of a full-screen view is exit 0 when it was
// quit, else 1, saying the terminal failed unless a monitor did.
func TestTrackTUIErr(t *testing.T) {
	if err := trackTUIErr(nil); err != nil {
		t.Errorf("quit: %v", err)
	}
	for _, c := range []struct {
		err  error
		want string
	}{
		{tui.ErrSourceFailed, tui.ErrSourceFailed.Error()},
		{errors.New("could not open a new TTY"), "terminal: could not open a new TTY"},
	} {
		got := trackTUIErr(c.err)
		if exitcode.Of(got) != exitcode.Error || got.Error() != c.want || !errors.Is(got, c.err) {
			t.Errorf("%v: %v (exit %d), want %q (exit 1)", c.err, got, exitcode.Of(got), c.want)
		}
	}
}
