package run

import (
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
)

func TestReplayCompleteReadsStdin(t *testing.T) {
	var o ReplayOptions
	o.Complete(nil)
	if len(o.Files) != 1 || o.Files[0] != "-" {
		t.Errorf("no FILE: Files = %q, want [-]", o.Files)
	}
}

func TestReplayValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		o    ReplayOptions
		want string
	}{
		{"files", ReplayOptions{Files: []string{"a.log", "-"}}, ""},
		{"window", ReplayOptions{Files: []string{"a.log"}, WindowOptions: cmdutil.WindowOptions{Since: "2h", Before: "1h"}}, ""},
		{"schema live", ReplayOptions{Files: []string{"a.log"}, EventOptions: cmdutil.EventOptions{Schema: "live"}}, "--schema live needs a running QEMU's monitor"},
		{"stdin twice", ReplayOptions{Files: []string{"-", "-"}}, "standard input (-) given twice"},
		{"bad since", ReplayOptions{Files: []string{"a.log"}, WindowOptions: cmdutil.WindowOptions{Since: "yesterday-ish"}}, "--since "},
		{"empty window", ReplayOptions{Files: []string{"a.log"}, WindowOptions: cmdutil.WindowOptions{Since: "1h", Before: "2h"}}, "--since 1h is not before --before 2h"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			eventsWantUsage(t, tt.o.Validate(), tt.want)
		})
	}
}
