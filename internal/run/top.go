package run

import (
	"context"
	"fmt"
	"os"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/filter"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/tui"
)

// TopOptions are top's: the tracking ones, watch's filters for the event
// stream and its colour.
type TopOptions struct {
	TrackOptions
	Events   []string
	Excludes []string
	Wheres   []string
	Filter   string

	keep func(*decode.Event) bool // the filters, compiled by Validate
}

// topNoTerminal is top's one line in a pipe.
const topNoTerminal = "qmpwatch: top needs a terminal on stdout; in a pipe use `qmpwatch watch -o json` and `qmpwatch jobs -o json`"

// Validate checks everything before any monitor is opened: no --replay,
// --interval, the filters, and the sources (as TrackOptions.Validate).
func (o *TopOptions) Validate() error {
	if o.Replay {
		return exitcode.Usagef("top watches live monitors; for logs use `qmpwatch replay` or `qmpwatch jobs --replay`")
	}
	if err := trackCheckInterval(o.Interval); err != nil {
		return err
	}
	f, err := filter.Compile(filter.Spec{Events: o.Events, Excludes: o.Excludes, Wheres: o.Wheres, Filter: o.Filter})
	if err != nil {
		return err // coded: 3 for an expression, 2 for the rest
	}
	// The trackers see every event regardless: the filters keep the stream.
	ctx := context.Background()
	o.keep = func(ev *decode.Event) bool {
		ok, _, err := f.Eval(ctx, ev)
		return err == nil && ok
	}
	return o.spec()
}

// Top shows the full-screen view of every VM the sources reach; it needs
// a terminal on stdout.
func Top(ctx context.Context, s *iostreams.Streams, o *TopOptions) error {
	if !s.OutTTY {
		// One line, no usage hint: the flags were right, the place is not.
		fmt.Fprintln(s.ErrOut, topNoTerminal)
		return exitcode.Reported{Code: exitcode.Usage}
	}
	cfg := tui.Config{View: tui.Top, Keep: o.keep, Color: render.ColorEnabled(o.Color, s.OutTTY, os.Getenv), Location: o.location()}
	return trackTUI(ctx, s, &o.TrackOptions, cfg)
}
