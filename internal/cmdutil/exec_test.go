package cmdutil

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/qmpwatch/qmpwatch/internal/action"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
)

// TestExecValidate: the limits are checked only when something runs
// (--exec or serve's actions), and the defaults pass.
func TestExecValidate(t *testing.T) {
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	var o ExecOptions
	AddExecFlags(fs, &o)
	if o.ExecJobs != action.DefaultJobs || o.ExecQueue != action.DefaultQueue || o.ExecTimeout != action.DefaultTimeout {
		t.Fatalf("defaults %+v", o)
	}
	if err := o.Validate(true); err != nil {
		t.Errorf("defaults: %v", err)
	}
	for _, c := range []struct {
		set  func(o *ExecOptions)
		want string
	}{
		{func(o *ExecOptions) { o.ExecJobs = 0 }, "--exec-jobs must be positive, got 0"},
		{func(o *ExecOptions) { o.ExecQueue = -1 }, "--exec-queue must be positive, got -1"},
		{func(o *ExecOptions) { o.ExecTimeout = 0 }, "--exec-timeout must be positive, got 0s"},
	} {
		bad := o
		c.set(&bad)
		if err := bad.Validate(false); err != nil {
			t.Errorf("unused: %v", err)
		}
		if err := bad.Validate(true); exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate = %v, want a usage error %q", err, c.want)
		}
	}
}
