package run

import (
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
)

func TestSimulateValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		o    SimulateOptions
		want string
	}{
		{"demo recording", []string{"s.qmp"}, SimulateOptions{Speed: 1}, ""},
		{"file", []string{"tcp:127.0.0.1:4444", "rec.log"}, SimulateOptions{Speed: 0}, ""},
		{"negative speed", []string{"s.qmp", "rec.log"}, SimulateOptions{Speed: -1}, "--speed must be 0 or more"},
		{"bad address", []string{"tcp:nohost"}, SimulateOptions{Speed: 1}, "tcp:nohost"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.o
			o.Complete(tt.args)
			eventsWantUsage(t, o.Validate(), tt.want)
		})
	}
}

func TestSimulateRecordingName(t *testing.T) {
	o := SimulateOptions{}
	o.Complete([]string{"s.qmp"})
	if got := o.recordingName(); got != "the built-in demo recording" {
		t.Errorf("no FILE: %q", got)
	}
	o.Complete([]string{"s.qmp", "rec.log"})
	if got := o.recordingName(); got != "rec.log" {
		t.Errorf("FILE rec.log: %q", got)
	}
}

// demo's --speed is checked as simulate's is, and its event flags as
// watch's are, before demo opens its socket.
func TestDemoValidate(t *testing.T) {
	s, _, _ := iostreams.Test("")
	if err := (&DemoOptions{Speed: 0.5}).Validate(s); err != nil {
		t.Errorf("--speed 0.5: %v", err)
	}
	err := (&DemoOptions{Speed: -0.5}).Validate(s)
	if c := exitcode.Of(err); err == nil || c != exitcode.Usage {
		t.Errorf("--speed -0.5: %v (exit %d), want a usage error", err, c)
	}
	for _, o := range []DemoOptions{
		{Speed: 1, EventOptions: cmdutil.EventOptions{Filter: ".a =="}},
		{Speed: 1, EventOptions: cmdutil.EventOptions{Template: "{{.Nope}}"}},
	} {
		err := o.Validate(s)
		if c := exitcode.Of(err); err == nil || c != exitcode.Expr {
			t.Errorf("%+v: %v (exit %d), want exit 3", o.EventOptions, err, c)
		}
	}
}
