package run

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
)

func TestEventsValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		o    EventsOptions
		want string // "" is valid
	}{
		{"catalog", EventsOptions{}, ""},
		{"name any case", EventsOptions{Name: "block_io_error"}, ""},
		{"pattern", EventsOptions{Name: "BLOCK_JOB_*"}, ""},
		{"typo", EventsOptions{Name: "SHUTDWN"}, `unknown event "SHUTDWN"; did you mean SHUTDOWN?`},
		{"unknown", EventsOptions{Name: "NOTHING_LIKE_IT"}, `unknown event "NOTHING_LIKE_IT" (qmpwatch events lists them)`},
		{"no match", EventsOptions{Name: "NOPE_*"}, `no event matches "NOPE_*" (qmpwatch events lists them)`},
		{"live and name", EventsOptions{Live: "vm1.qmp", Name: "RESET"}, "--live takes no event name"},
		{"live libvirt", EventsOptions{Live: "qemu:///system"}, "--live asks QEMU itself"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			eventsWantUsage(t, tt.o.Validate(), tt.want)
		})
	}
}

// The pattern's events are found at validation and written by the run,
// each as one JSON object.
func TestEventsPatternJSON(t *testing.T) {
	o := &EventsOptions{Name: "block_job_*", Output: "json"}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	s, out, _ := iostreams.Test("")
	if err := Events(context.Background(), s, o); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) < 4 {
		t.Fatalf("%d events for BLOCK_JOB_*, want the job events:\n%s", len(lines), out)
	}
	for _, l := range lines {
		var e struct{ Name string }
		if err := json.Unmarshal([]byte(l), &e); err != nil || !strings.HasPrefix(e.Name, "BLOCK_JOB_") {
			t.Errorf("line %q: name %q, err %v", l, e.Name, err)
		}
	}
}

func TestEventsShortVersion(t *testing.T) {
	o := &EventsOptions{Name: "SHUTDOWN"}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := eventsSince(o.event); got == "" || strings.Count(got, ".") != 1 {
		t.Errorf("SHUTDOWN's since = %q, want MAJOR.MINOR", got)
	}
}

// eventsWantUsage checks a Validate's result: nil when want is empty, else
// a usage error (exit 2) whose message contains want. (The tests of
// proxy, replay and simulate use it too.)
func eventsWantUsage(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("Validate: %v", err)
		}
		return
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Validate = %v, want %q", err, want)
	}
	if c := exitcode.Of(err); c != exitcode.Usage {
		t.Errorf("exit code %d, want %d", c, exitcode.Usage)
	}
}
