package pipeline

import (
	"fmt"
	"strings"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// StatusLine is the one line on stderr for each connection change, built
// here only, whatever the command. Every string in it that comes from the
// wire or the file system (the VM's -name, the socket path, the monitor's
// error texts) is escaped: a VM named with terminal escapes cannot reach
// the terminal through it.
func StatusLine(st source.Status) string {
	vm, addr := render.Safe(st.VM), render.Safe(st.Addr)
	switch st.Kind {
	case source.Connected:
		return fmt.Sprintf("qmpwatch: connected to %s (QEMU %s%s) at %s", DisplayName(render.Safe(st.Name), vm), st.QEMU, st.Note, addr)
	case source.Reconnected:
		return fmt.Sprintf("qmpwatch: reconnected to %s (QEMU %s%s) at %s after %s without a connection: events of that gap are lost",
			DisplayName(render.Safe(st.Name), vm), st.QEMU, st.Note, addr, st.Gap.Round(time.Millisecond))
	case source.Disconnected:
		then := ""
		if st.Retrying {
			then = "; reconnecting"
		}
		if st.Failure {
			return fmt.Sprintf("qmpwatch: %s: %s%s", vm, withAddr(st), then)
		}
		return fmt.Sprintf("%s: %s%s", vm, render.Safe(source.Reason(st.Err)), then)
	case source.Unreachable:
		then := ""
		if st.Retrying {
			then = "; retrying until it answers"
		}
		return fmt.Sprintf("qmpwatch: %s%s", withAddr(st), then)
	}
	return ""
}

// DisplayName is how a VM is named in a status line: its -name, or its
// label with a note that it has none.
func DisplayName(name, label string) string {
	if name == "" {
		return label + " (no -name)"
	}
	return name
}

// withAddr is the error text, starting with the address it concerns.
func withAddr(st source.Status) string {
	msg := st.Err.Error()
	if !strings.HasPrefix(msg, st.Addr) {
		msg = st.Addr + ": " + msg
	}
	return render.Safe(msg)
}

// Attach prepares a new session for this pipeline (source.Options.Attach):
// the VM's schema for the checks, and its run state for the status line.
func (p *Pipeline) Attach(c *conn.Client) (note string, err error) {
	if err := p.schema.attach(c, c.Label()); err != nil {
		return "", err
	}
	return RunStateNote(c), nil
}

// QueryRunState asks QEMU for the VM's run state.
func QueryRunState(c *conn.Client) (track.RunState, error) {
	raw, err := c.Query("query-status", nil)
	if err != nil {
		return track.RunState{}, err
	}
	st, err := track.ParseStatus(raw)
	if err != nil {
		return st, fmt.Errorf("%s: %w", c.Addr(), err)
	}
	return st, nil
}

// RunStateNote is the run state for a status line, ", running", or "" when
// QEMU would not say: the state is a courtesy there, not a reason to give
// up watching. A broken or closed monitor is not lost either: the client
// reports it from Next, after the events that came before it.
func RunStateNote(c *conn.Client) string {
	st, err := QueryRunState(c)
	if err != nil {
		return ""
	}
	return ", " + render.Safe(st.String())
}
