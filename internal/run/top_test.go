package run

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
)

func TestTopValidate(t *testing.T) {
	live := cmdutil.TrackerOptions{Interval: time.Second}
	for _, c := range []struct {
		name string
		o    TopOptions
		code int
		want string
	}{
		{name: "replay", o: TopOptions{TrackOptions: TrackOptions{TrackerOptions: cmdutil.TrackerOptions{Replay: true, Interval: time.Second}}},
			code: exitcode.Usage, want: "top watches live monitors"},
		{name: "interval", code: exitcode.Usage, want: "--interval must be positive"},
		{name: "jq", o: TopOptions{TrackOptions: TrackOptions{TrackerOptions: live}, Filter: "["}, code: exitcode.Expr},
		{name: "since", o: TopOptions{TrackOptions: TrackOptions{TrackerOptions: cmdutil.TrackerOptions{Interval: time.Second,
			FleetReadOptions: cmdutil.FleetReadOptions{Since: "1h"}}}}, code: exitcode.Usage, want: "--since"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.o.Complete([]string{"a.qmp"})
			err := c.o.Validate()
			if exitcode.Of(err) != c.code || err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v (exit %d), want exit %d with %q", err, exitcode.Of(err), c.code, c.want)
			}
		})
	}
}

// TestTopKeep: the filters keep the stream's events; the trackers see
// them all.
func TestTopKeep(t *testing.T) {
	o := &TopOptions{TrackOptions: TrackOptions{TrackerOptions: cmdutil.TrackerOptions{Interval: time.Second}}, Events: []string{"block_job_*"}, Excludes: []string{"*_READY"}}
	o.Complete([]string{"a.qmp"})
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"BLOCK_JOB_COMPLETED": true, "BLOCK_JOB_READY": false, "STOP": false} {
		if got := o.keep(&decode.Event{Name: name}); got != want {
			t.Errorf("%s kept: %v, want %v", name, got, want)
		}
	}
}

// TestTopRefusesAPipe: in a pipe top says so in one line and exits 2,
// having opened nothing.
func TestTopRefusesAPipe(t *testing.T) {
	o := &TopOptions{TrackOptions: TrackOptions{TrackerOptions: cmdutil.TrackerOptions{Interval: time.Second}}}
	o.Complete([]string{"tcp:127.0.0.1:1"})
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	s, out, errOut := iostreams.Test("")
	err := Top(context.Background(), s, o)
	if exitcode.Of(err) != exitcode.Usage || out.Len() != 0 || errOut.String() != topNoTerminal+"\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", exitcode.Of(err), out, errOut)
	}
}
