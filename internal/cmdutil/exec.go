package cmdutil

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/qmpwatch/qmpwatch/internal/action"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
)

// ExecOptions are --exec and the limits that every action shares (the
// config file's actions of serve too): watch, serve and proxy.
type ExecOptions struct {
	Exec        string
	ExecJobs    int
	ExecQueue   int
	ExecTimeout time.Duration
}

func AddExecFlags(fs *pflag.FlagSet, o *ExecOptions) {
	fs.StringVar(&o.Exec, "exec", "", "run COMMAND through /bin/sh -c for every event that passes the filters: its -o json line on stdin, QMPWATCH_EVENT, QMPWATCH_VM, QMPWATCH_HOST, QMPWATCH_TIME, QMPWATCH_SUMMARY in its environment (docs/actions.md)")
	fs.IntVar(&o.ExecJobs, "exec-jobs", action.DefaultJobs, "runs of --exec (and of actions) at once, each for a different VM; a VM's runs go one at a time, in order")
	fs.IntVar(&o.ExecQueue, "exec-queue", action.DefaultQueue, "runs waiting per VM; past it the oldest are dropped, said and counted")
	fs.DurationVar(&o.ExecTimeout, "exec-timeout", action.DefaultTimeout, "kill a run (its whole process group) after this long; at exit, how long the queued runs get to finish")
}

// Validate checks the limits when something will use them (--exec, or
// serve's actions): a command built without these flags (demo) has none.
func (o *ExecOptions) Validate(used bool) error {
	switch {
	case !used:
		return nil
	case o.ExecJobs <= 0:
		return exitcode.Usagef("--exec-jobs must be positive, got %d", o.ExecJobs)
	case o.ExecQueue <= 0:
		return exitcode.Usagef("--exec-queue must be positive, got %d", o.ExecQueue)
	case o.ExecTimeout <= 0:
		return exitcode.Usagef("--exec-timeout must be positive, got %s", o.ExecTimeout)
	}
	return nil
}

// AddOTLPFlag adds --otlp, on watch and serve (docs/otlp.md).
func AddOTLPFlag(fs *pflag.FlagSet, p *string) {
	fs.StringVar(p, "otlp", "", "also send each event that passes the filters, as an OpenTelemetry log record, to the collector at `URL` (OTLP/HTTP, e.g. http://127.0.0.1:4318; docs/otlp.md)")
}
