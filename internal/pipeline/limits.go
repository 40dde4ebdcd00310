package pipeline

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
)

// finished reports whether the event just written ends the run: it is the
// --count'th, or its name matches --until.
func (p *Pipeline) finished(ev *decode.Event) bool {
	if p.until != nil && p.until.Match(ev.Name) || p.o.Count > 0 && p.passed >= p.o.Count {
		p.reached = true
	}
	return p.reached
}

// awaiting reports whether the run waits for something (--count, --until).
func (p *Pipeline) awaiting() bool { return p.o.Count > 0 || p.until != nil }

// Deadline is when --timeout ends the wait for --count or --until: Timeout
// after New, so that it bounds the whole wait, connecting and the startup
// queries included (conn.Options.Deadline). Zero when nothing is awaited
// or there is no --timeout.
func (p *Pipeline) Deadline() time.Time {
	if p.o.Timeout <= 0 || !p.awaiting() {
		return time.Time{}
	}
	return p.born.Add(p.o.Timeout)
}

// DeadlineErr turns a connection's wait cut short by the Deadline
// (conn.ErrDeadline) into the timeout it is, exit 4; other errors pass.
func (p *Pipeline) DeadlineErr(err error) error {
	if !errors.Is(err, conn.ErrDeadline) {
		return err
	}
	return exitcode.With(exitcode.Timeout, fmt.Errorf("timeout: %s within %s (still %s)", p.missing(), p.o.Timeout, deadlineWait(err)))
}

// deadlineWait is what the connection was still doing: "connecting",
// "waiting for the query-name reply".
func deadlineWait(err error) string {
	var ce *conn.Error
	if errors.As(err, &ce) {
		err = ce.Err
	}
	return strings.TrimSuffix(err.Error(), ": "+conn.ErrDeadline.Error())
}

// timeoutErr says what did not arrive in time: exit 4.
func (p *Pipeline) timeoutErr() error {
	return exitcode.With(exitcode.Timeout, fmt.Errorf("timeout: %s within %s", p.missing(), p.o.Timeout))
}

// endErr is the verdict when the stream ends: exit 4 when --count or
// --until was still waiting, nil otherwise.
func (p *Pipeline) endErr() error {
	if !p.awaiting() || p.reached {
		return nil
	}
	switch {
	case p.o.Count > 0 && p.until != nil:
		return exitcode.With(exitcode.Timeout, fmt.Errorf("stream ended after %d of %d events, before %s", p.passed, p.o.Count, p.untilText()))
	case p.o.Count > 0:
		return exitcode.With(exitcode.Timeout, fmt.Errorf("stream ended after %d of %d events", p.passed, p.o.Count))
	}
	return exitcode.With(exitcode.Timeout, fmt.Errorf("stream ended before %s", p.untilText()))
}

func (p *Pipeline) missing() string {
	switch {
	case p.o.Count > 0 && p.until != nil:
		return fmt.Sprintf("%d of %d events and no %s", p.passed, p.o.Count, p.untilText())
	case p.o.Count > 0:
		return fmt.Sprintf("%d of %d events", p.passed, p.o.Count)
	}
	return "no " + p.untilText()
}

func (p *Pipeline) untilText() string { return strings.Join(p.until.List(), ",") }
