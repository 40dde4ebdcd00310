package pipeline

import (
	"fmt"
	"strings"

	"github.com/qmpwatch/qmpwatch/internal/decode"
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

// timeoutErr says what did not arrive in time: exit 4.
func (p *Pipeline) timeoutErr() error {
	return WithCode(ExitTimeout, fmt.Errorf("timeout: %s within %s", p.missing(), p.o.Timeout))
}

// endErr is the verdict when the stream ends: exit 4 when --count or
// --until was still waiting, nil otherwise.
func (p *Pipeline) endErr() error {
	if !p.awaiting() || p.reached {
		return nil
	}
	switch {
	case p.o.Count > 0 && p.until != nil:
		return WithCode(ExitTimeout, fmt.Errorf("stream ended after %d of %d events, before %s", p.passed, p.o.Count, p.untilText()))
	case p.o.Count > 0:
		return WithCode(ExitTimeout, fmt.Errorf("stream ended after %d of %d events", p.passed, p.o.Count))
	}
	return WithCode(ExitTimeout, fmt.Errorf("stream ended before %s", p.untilText()))
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
