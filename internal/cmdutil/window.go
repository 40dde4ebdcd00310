package cmdutil

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/when"
)

// WindowOptions are replay's --since and --before: a time Window of logs.
// (--until is the event glob that ends a run, as in watch.)
type WindowOptions struct {
	Since, Before string
}

func AddWindowFlags(fs *pflag.FlagSet, o *WindowOptions) {
	fs.StringVar(&o.Since, "since", "", "only events at or after TIME: RFC 3339, a local date-time (2026-11-21 05:47), a date, or a duration ago (10m, 1d)")
	fs.StringVar(&o.Before, "before", "", "only events before TIME (same forms as --since)")
}

// Window is the parsed time Window; zero bounds are open.
type Window struct{ Since, Before time.Time }

func (o *WindowOptions) Parse(now time.Time) (Window, error) {
	var w Window
	var err error
	if o.Since != "" {
		if w.Since, err = when.Parse(o.Since, now); err != nil {
			return w, exitcode.Usagef("--since %w", err)
		}
	}
	if o.Before != "" {
		if w.Before, err = when.Parse(o.Before, now); err != nil {
			return w, exitcode.Usagef("--before %w", err)
		}
	}
	if !w.Since.IsZero() && !w.Before.IsZero() && !w.Since.Before(w.Before) {
		return w, exitcode.Usagef("--since %s is not before --before %s", o.Since, o.Before)
	}
	return w, nil
}
