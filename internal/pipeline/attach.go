package pipeline

import (
	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/safe"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// Attach prepares a new session for this pipeline (source.Options.Attach):
// the VM's schema for the checks, and its run state for the status line.
func (p *Pipeline) Attach(c *conn.Client) (note string, err error) {
	note, _, _, err = p.AttachState(c)
	return note, err
}

// AttachState is Attach that also returns the run state it asked QEMU for
// (ok is false when QEMU would not say), for a caller that keeps it, such
// as serve's metrics: one query-status per session, not two.
func (p *Pipeline) AttachState(c *conn.Client) (note string, st track.RunState, ok bool, err error) {
	if err := p.schema.attach(c, c.Label()); err != nil {
		return "", track.RunState{}, false, err
	}
	st, err = source.QueryRunState(c)
	if err != nil {
		// The state is a courtesy, not a reason to give up watching. A
		// broken or closed monitor is not lost either: the client reports
		// it from Next, after the events that came before it.
		return "", track.RunState{}, false, nil
	}
	return ", " + safe.String(st.String()), st, true, nil
}
