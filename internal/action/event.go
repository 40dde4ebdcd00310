// Package action runs what qmpwatch does for an event beside printing it:
// --exec hooks (a shell command per event), and serve's config actions
// (an argv command or a webhook, each with its own filters). The stream
// never waits on them: every event is queued per VM (bounded, the oldest
// dropped and counted on overflow), the runs of one VM go one at a time in
// the order of its events, and a few VMs run at once. It prints one line
// on its error writer per failure and per second of drops, and knows
// nothing of the command line or of Prometheus (Options.Ran, Dropped).
package action

import (
	"bytes"
	"strings"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/render"
)

// Event is what a run is given: a copy of the parts of one event that
// outlives the source's buffer, made when the event is queued.
type Event struct {
	Name, VM string
	Time     time.Time // QEMU's timestamp; zero when QEMU could not read its clock
	JSON     []byte    // the event as -o json writes it, newline included
	Summary  string    // the pretty sentence (not yet escaped)
}

// newEvent copies ev. The JSON renderer writes into a buffer of its own;
// the strings are cloned because a source's strings may point into its
// read buffer.
func newEvent(ev *decode.Event) *Event {
	js, _ := render.JSON{}.Render(nil, ev)
	return &Event{Name: strings.Clone(ev.Name), VM: strings.Clone(ev.VM), Time: ev.Time(), JSON: js, Summary: render.Summary(ev)}
}

// View is the event as an argv template sees it (render.View, the same
// fields as -o template): decoded again from the copy, so that it shares
// nothing with the source.
func (e *Event) View() (render.View, error) {
	m, err := decode.ScanMessage(bytes.TrimSuffix(e.JSON, []byte{'\n'}))
	if err != nil {
		return render.View{}, err
	}
	return render.NewView(decode.NewEvent(&m, e.VM)), nil
}

// timeText is QMPWATCH_TIME: RFC 3339 in UTC to the microsecond, as QEMU
// stamps events; empty when QEMU had no time.
func (e *Event) timeText() string {
	if e.Time.IsZero() {
		return ""
	}
	return e.Time.UTC().Format("2006-01-02T15:04:05.000000Z07:00")
}
