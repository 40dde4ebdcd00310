package source

import (
	"errors"

	"github.com/qmpwatch/qmpwatch/internal/conn"
)

// GoneReason is what qmpwatch says when QEMU closed the connection without
// a SHUTDOWN event first: QEMU was killed or crashed, or its host died. It
// is the status line's text and the QMPWATCH_DISCONNECTED marker's reason.
const GoneReason = "QEMU went away without a SHUTDOWN event (killed or crashed?)"

// goneError is a closed connection that no SHUTDOWN announced. It is still
// conn.ErrClosed (a normal end, not a failure of qmpwatch's), with its own
// text.
type goneError struct{ err error }

func (g goneError) Error() string { return GoneReason }
func (g goneError) Unwrap() error { return g.err }

// IsGone says whether err is a connection QEMU closed without a SHUTDOWN.
func IsGone(err error) bool {
	var g goneError
	return errors.As(err, &g)
}

// shutdownSeen follows one session's events: whether the last word QEMU
// said was SHUTDOWN (a SHUTDOWN then a RESET, with -no-shutdown and a
// system_reset, is a running VM again).
type shutdownSeen bool

func (s *shutdownSeen) observe(name string) {
	switch name {
	case "SHUTDOWN":
		*s = true
	case "RESET", "RESUME", "STOP":
		*s = false
	}
}

// closed turns a clean close after no SHUTDOWN into goneError.
func (s shutdownSeen) closed(err error) error {
	// A message cut in the middle says more than "gone": keep its text.
	var te *conn.TruncatedError
	if !bool(s) && errors.Is(err, conn.ErrClosed) && !errors.As(err, &te) && !IsGone(err) {
		return goneError{err}
	}
	return err
}
