package conn

import (
	"errors"
	"fmt"
	"time"
)

// ErrClosed means QEMU closed the connection (a clean EOF or a reset).
var ErrClosed = errors.New("QEMU closed the connection")

// Error is a failure on one monitor; its text starts with the address.
type Error struct {
	Addr Addr
	Err  error
}

func (e *Error) Error() string { return e.Addr.String() + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// GreetingTimeoutError means the socket accepted us but said nothing.
type GreetingTimeoutError struct{ After time.Duration }

func (e *GreetingTimeoutError) Error() string {
	return fmt.Sprintf("no QMP greeting within %s: another client may hold this monitor "+
		"(QEMU serves one client at a time; give QEMU a second -qmp for qmpwatch), or it is not a QMP socket", e.After)
}

// HMPError means the socket is QEMU's human monitor, not QMP.
type HMPError struct{ Banner string }

func (e *HMPError) Error() string {
	return fmt.Sprintf("this is an HMP (human monitor) socket, not QMP (it greeted %q); "+
		"start QEMU with -qmp unix:PATH,server=on,wait=off or -mon mode=control", e.Banner)
}

// NotQMPError means the peer sent something other than a QMP greeting.
type NotQMPError struct{ Got string }

func (e *NotQMPError) Error() string {
	return fmt.Sprintf("not a QMP monitor: the greeting was %q", e.Got)
}

// CommandError is QEMU's error reply to a command.
type CommandError struct {
	Command, Class, Desc string
}

func (e *CommandError) Error() string {
	return fmt.Sprintf("%s refused: %s (%s)", e.Command, e.Desc, e.Class)
}

// ReadOnlyError means qmpwatch refused to send a command that could change
// the VM. Only qmp_capabilities and query-* ever reach the wire.
type ReadOnlyError struct{ Command string }

func (e *ReadOnlyError) Error() string {
	return fmt.Sprintf("refusing to send %q: qmpwatch only sends qmp_capabilities and query-* commands", e.Command)
}

// TruncatedError means the connection ended in the middle of a message.
type TruncatedError struct{ Lost int }

func (e *TruncatedError) Error() string {
	return fmt.Sprintf("QEMU closed the connection in the middle of a message (%d bytes lost)", e.Lost)
}

func (e *TruncatedError) Is(target error) bool { return target == ErrClosed }
