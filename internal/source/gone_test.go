package source

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/conn"
)

func TestShutdownSeen(t *testing.T) {
	closed := fmt.Errorf("vm1.qmp: %w", conn.ErrClosed)
	for _, c := range []struct {
		events []string
		err    error
		gone   bool
	}{
		{nil, closed, true},
		{[]string{"STOP", "RESUME"}, closed, true},
		{[]string{"STOP", "SHUTDOWN"}, closed, false},
		{[]string{"SHUTDOWN", "RESET"}, closed, true}, // -no-shutdown, then reset: running again
		{nil, io.ErrUnexpectedEOF, false},             // not a close: a failure stays itself
	} {
		var s shutdownSeen
		for _, e := range c.events {
			s.observe(e)
		}
		err := s.closed(c.err)
		if IsGone(err) != c.gone {
			t.Errorf("%v then %v: gone %v, want %v", c.events, c.err, IsGone(err), c.gone)
		}
		if c.gone && (!errors.Is(err, conn.ErrClosed) || Reason(err) != GoneReason) {
			t.Errorf("%v: %v is not a clean close with the gone reason", c.events, err)
		}
	}
}
