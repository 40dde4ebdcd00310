package run

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/action"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

func serveOptions(args ...string) *ServeOptions {
	o := &ServeOptions{ForgetAfter: time.Hour}
	o.Complete(args)
	return o
}

// TestServeValidateRefuses: each usage error of serve, the config's
// included, is found by Validate, which opens nothing.
func TestServeValidateRefuses(t *testing.T) {
	badSources := ServeConfig{Sources: func() ([]source.Labelled, error) { return nil, errors.New("config c.yaml: sources[0] has no address") }}
	oneAction := ServeConfig{Actions: func(action.Run) ([]*action.Action, error) { return []*action.Action{{Name: "a"}}, nil }}
	for _, c := range []struct {
		name string
		o    *ServeOptions
		set  func(o *ServeOptions)
		cfg  ServeConfig
		want string
	}{
		{"filters without output", serveOptions("a.qmp"), func(o *ServeOptions) { o.Events = []string{"STOP"} }, ServeConfig{}, "-e and -x choose"},
		{"share without dir", serveOptions("a.qmp"), func(o *ServeOptions) { o.Share = true }, ServeConfig{}, "--share takes over"},
		{"cert without key", serveOptions("a.qmp"), func(o *ServeOptions) { o.TLSCert = "c.pem" }, ServeConfig{}, "go together"},
		{"forget after", serveOptions("a.qmp"), func(o *ServeOptions) { o.ForgetAfter = 0 }, ServeConfig{}, "--forget-after must be positive"},
		{"config sources", serveOptions("a.qmp"), func(*ServeOptions) {}, badSources, "sources[0] has no address"},
		{"limits of actions", serveOptions("a.qmp"), func(o *ServeOptions) { o.ExecJobs = 0 }, oneAction, "--exec-jobs must be positive"},
		{"nothing", serveOptions(), func(*ServeOptions) {}, ServeConfig{}, "nothing to watch"},
		{"bad listen", serveOptions("a.qmp"), func(o *ServeOptions) { o.Listen = "tcp:" }, ServeConfig{}, "tcp:"},
		{"publish url", serveOptions("a.qmp"), func(o *ServeOptions) { o.Publish = "http://x" }, ServeConfig{}, "--publish"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.set(c.o)
			s, _, _ := iostreams.Test("")
			eventsWantUsage(t, c.o.Validate(s, c.cfg), c.want)
		})
	}
}

// TestServeValidateOutput: without -o json stdout gets no event; with
// --exec the events still pass -e and -x, else none is rendered.
func TestServeValidateOutput(t *testing.T) {
	for _, c := range []struct {
		name         string
		set          func(o *ServeOptions)
		discard      bool
		wantExcludes []string
	}{
		{"metrics only", func(*ServeOptions) {}, false, []string{"*"}},
		{"exec", func(o *ServeOptions) { o.Exec, o.ExecJobs, o.ExecQueue, o.ExecTimeout = "true", 1, 1, time.Second }, true, nil},
		{"otlp", func(o *ServeOptions) { o.OTLP = "http://127.0.0.1:4318" }, true, nil},
		{"json", func(o *ServeOptions) { o.Output = "json" }, false, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := serveOptions("a.qmp")
			c.set(o)
			s, _, _ := iostreams.Test("")
			if err := o.Validate(s, ServeConfig{}); err != nil {
				t.Fatal(err)
			}
			if o.discardOut != c.discard || !slices.Equal(o.Excludes, c.wantExcludes) || o.Output != "json" || o.Color != "never" {
				t.Errorf("discard %v, excludes %q, -o %q, color %q; want discard %v, excludes %q, json, never",
					o.discardOut, o.Excludes, o.Output, o.Color, c.discard, c.wantExcludes)
			}
		})
	}
}

// TestServeValidateConfig: the config's sources join the addresses with
// their labels, and its actions are compiled with --exec-timeout, the
// host label and stderr.
func TestServeValidateConfig(t *testing.T) {
	o := serveOptions("tcp:127.0.0.1:4444")
	o.Publish = "nats://127.0.0.1:4222" // --host-label goes with it
	o.HostLabel, o.ExecJobs, o.ExecQueue, o.ExecTimeout = "h1", 1, 1, 7*time.Second
	s, _, _ := iostreams.Test("")
	var got action.Run
	err := o.Validate(s, ServeConfig{
		Sources: func() ([]source.Labelled, error) {
			return []source.Labelled{{Address: "tcp:127.0.0.1:4445", Label: "db1"}}, nil
		},
		Actions: func(r action.Run) ([]*action.Action, error) {
			got = r
			return []*action.Action{{Name: "page"}}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"tcp:127.0.0.1:4445", "tcp:127.0.0.1:4444"}; !slices.Equal(o.src.Configured(), want) {
		t.Errorf("configured %q, want %q", o.src.Configured(), want)
	}
	if got.Host != "h1" || got.Timeout != 7*time.Second || got.TimeoutFlag != "--exec-timeout" || got.Out != s.ErrOut {
		t.Errorf("the actions run with %+v", got)
	}
	if len(o.actions) != 1 {
		t.Errorf("actions %v", o.actions)
	}
}

// TestListenValidate: a bad address is refused before anything listens.
func TestListenValidate(t *testing.T) {
	o := &ListenOptions{}
	o.Complete("tcp:")
	eventsWantUsage(t, o.Validate(), "tcp:")
	o.Complete("/run/qmpwatch.sock")
	eventsWantUsage(t, o.Validate(), "")
}
