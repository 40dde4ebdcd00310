// Package pipeline is qmpwatch's engine: it takes events from any source
// (source.Source) and runs each through the cause tracker, the recorder,
// the filters, the schema check and a renderer to its writer, with the
// --count, --until and --timeout limits; and it runs the trackers that
// sessions, jobs and status show. It knows nothing of the command line:
// the commands fill Options and call New and Run.
package pipeline

import (
	"io"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/filter"
	"github.com/qmpwatch/qmpwatch/internal/render"
)

// Options describe one run of the event pipeline.
type Options struct {
	// Out receives the rendered events; it is buffered and flushed
	// whenever the source has nothing more ready.
	Out io.Writer
	// ErrOut receives warnings, schema violations and jq errors. Sources
	// and readers may report from other goroutines: it must keep
	// concurrent lines whole.
	ErrOut io.Writer
	// Notices receives warnings about the command line (a glob that
	// matches no known event); nil is ErrOut. -q makes it io.Discard.
	Notices io.Writer
	// OutTTY says Out is a terminal: --jq results are escaped there.
	OutTTY bool

	// Render chooses the output format (render.New).
	Render render.Options
	// Filter holds -e, -x, -w, -f and --jq.
	Filter filter.Spec

	// Count ends the run after that many events passed (0: no limit).
	Count int
	// Until ends the run after the first passing event whose name matches
	// this glob ("" : none).
	Until string
	// Timeout bounds the wait for Count or Until (exit 4); 0 waits forever.
	Timeout time.Duration

	// Schema is auto, builtin or live (see schema.go); Strict makes the
	// first violation fatal.
	Schema string
	Strict bool

	// Record, when set, is a file that every event received is appended
	// to, before any filter (mode 0600).
	Record string

	// Tee, when set, is given every event received, before any filter, in
	// the order of the stream, from the goroutine that runs the pipeline
	// (watch --publish). It must not change the event.
	Tee func(*decode.Event)
	// Handled, when set, is told of each event once the pipeline is done
	// with it (shown, or refused by a filter), in order, from the goroutine
	// that runs the pipeline: a durable source acknowledges it (the NATS
	// reader of watch nats:// --durable). An event whose output failed is
	// not handled.
	Handled func(*decode.Event)
	// Sinks are given each event that passed every filter, after it was
	// written to Out (see Sink).
	Sinks []Sink
}
