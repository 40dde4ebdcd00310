package pipeline

import "github.com/qmpwatch/qmpwatch/internal/decode"

// Sink is an output beside the writer: a hook runner (--exec), a webhook, an
// OpenTelemetry exporter. Emit hands it each event that passed every filter,
// once that event is written, in the order of the stream, from the goroutine
// that runs the pipeline.
//
// Deliver must not block or fail the run: a sink queues what it is given
// (bounded, dropping and counting on overflow) and works from its own
// goroutines, so a slow hook or a collector that is away never holds up the
// terminal, the metrics or the sources. The event's bytes are shared with the
// source: a sink copies what it keeps.
type Sink interface {
	Deliver(ev *decode.Event)
}
