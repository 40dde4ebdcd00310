// Package source turns monitors into one stream of events: it dials (and
// redials with backoff), accepts connections that QEMU opens itself, watches
// a folder for sockets that come and go, and merges all of them into one
// bounded queue. It prints nothing: connection changes come out as Status
// values for the command layer to print, and optionally as marker events in
// the stream itself.
package source

import (
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// Kind says what happened to a source.
type Kind uint8

// The status changes a source reports.
const (
	// Connected: the first session with a VM began.
	Connected Kind = iota
	// Reconnected: a VM that had gone away is back; Gap says for how long
	// nobody listened (QEMU does not keep events for absent clients).
	Reconnected
	// Disconnected: a session ended; Err says why, Retrying whether
	// qmpwatch will try again.
	Disconnected
	// Unreachable: a connection attempt failed; Err says why.
	Unreachable
)

// Status is one change in a source's connection.
type Status struct {
	Kind     Kind
	Addr     string         // the address dialled or listened on, escaped for a terminal (control, C1, bidi)
	VM       string         // the VM's label (empty for Unreachable)
	Name     string         // the VM's -name as query-name told it; "" when none
	QEMU     decode.Version // from the greeting (Connected, Reconnected)
	Note     string         // what Options.Attach said (Connected, Reconnected)
	Err      error          // Disconnected, Unreachable
	Failure  bool           // Err is a real failure, not QEMU ending the session
	Retrying bool           // qmpwatch will try again (Disconnected, Unreachable)
	Gap      time.Duration  // Reconnected: time without a connection
	At       time.Time
}
