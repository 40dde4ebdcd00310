package main

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/qmpwatch/qmpwatch/internal/when"
)

// windowOptions are replay's --since and --before: a time window of logs.
// (--until is the event glob that ends a run, as in watch.)
type windowOptions struct {
	since, before string
}

func addWindowFlags(fs *pflag.FlagSet, o *windowOptions) {
	fs.StringVar(&o.since, "since", "", "only events at or after TIME: RFC 3339, a local date-time (2026-11-21 05:47), a date, or a duration ago (10m, 1d)")
	fs.StringVar(&o.before, "before", "", "only events before TIME (same forms as --since)")
}

// window is the parsed time window; zero bounds are open.
type window struct{ since, before time.Time }

func (o *windowOptions) parse(now time.Time) (window, error) {
	var w window
	var err error
	if o.since != "" {
		if w.since, err = when.Parse(o.since, now); err != nil {
			return w, usageErrorf("--since %w", err)
		}
	}
	if o.before != "" {
		if w.before, err = when.Parse(o.before, now); err != nil {
			return w, usageErrorf("--before %w", err)
		}
	}
	if !w.since.IsZero() && !w.before.IsZero() && !w.since.Before(w.before) {
		return w, usageErrorf("--since %s is not before --before %s", o.since, o.before)
	}
	return w, nil
}
