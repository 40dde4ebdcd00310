package conn

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/safe"
)

// ErrClosed means QEMU closed the connection (a clean EOF or a reset).
var ErrClosed = errors.New("QEMU closed the connection")

// ErrRefused means nothing listens on the socket (a stale socket file that
// a killed QEMU left behind, or a TCP port nobody serves).
var ErrRefused = errors.New("connection refused (nothing is listening there)")

// ErrNoSocket means there is no file at the socket's path.
var ErrNoSocket = errors.New("no such socket (is the VM running, and is this its -qmp path?)")

// ErrNoGreeting means the socket accepted the connection and closed it
// before any greeting: not a QMP monitor, or a QEMU that was going away.
var ErrNoGreeting = errors.New("the socket closed before the QMP greeting (is it a QMP monitor?)")

// ErrDeadline is a wait cut short by Options.Deadline (watch --timeout),
// not by the monitor.
var ErrDeadline = errors.New("--timeout reached")

// Error is a failure on one monitor; its text starts with the address. The
// text is safe to print on a terminal: the address (a socket name anyone
// who can write the folder chose) and the cause (which may quote what the
// monitor said) have their control, C1 and bidi characters escaped.
type Error struct {
	Addr Addr
	Err  error
}

func (e *Error) Error() string { return safe.String(e.Addr.String() + ": " + e.Err.Error()) }
func (e *Error) Unwrap() error { return e.Err }

// busyHint is what a user needs to know when a monitor does not serve us.
const busyHint = "another client may hold this monitor " +
	"(QEMU serves one client at a time; give QEMU a second -qmp for qmpwatch)"

// GreetingTimeoutError means the socket accepted us but said nothing.
type GreetingTimeoutError struct{ After time.Duration }

func (e *GreetingTimeoutError) Error() string {
	return fmt.Sprintf("no QMP greeting within %s: %s, or it is not a QMP socket", e.After, busyHint)
}

// BusyError means the monitor's socket refused us with EAGAIN: its queue of
// waiting connections is full, which happens when a client holds the
// monitor and others already wait behind it.
type BusyError struct{}

func (e *BusyError) Error() string {
	return "the monitor's queue of waiting connections is full (resource temporarily unavailable): " + busyHint
}

// CapabilitiesTimeoutError means QEMU greeted but did not answer the
// qmp_capabilities command in time.
type CapabilitiesTimeoutError struct{ After time.Duration }

func (e *CapabilitiesTimeoutError) Error() string {
	return fmt.Sprintf("QEMU greeted but sent no reply to qmp_capabilities within %s "+
		"(a stuck QEMU, or not a real QMP monitor)", e.After)
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

// Error quotes the monitor's class and description escaped for a terminal.
func (e *CommandError) Error() string {
	return fmt.Sprintf("%s refused: %s (%s)", safe.String(e.Command), safe.String(e.Desc), safe.String(e.Class))
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

// FDLimitError means qmpwatch has as many files open as it may (EMFILE),
// or the system as a whole has (ENFILE). Each monitor is one open file,
// so a folder of thousands of sockets needs a limit above that. Nothing
// was said to the monitor: it is worth dialling again once files close.
type FDLimitError struct {
	System     bool   // ENFILE: the system's limit, not qmpwatch's
	Soft, Hard uint64 // qmpwatch's RLIMIT_NOFILE when it happened
}

// NewFDLimitError reads the limit that was reached.
func NewFDLimitError(errno syscall.Errno) *FDLimitError {
	e := &FDLimitError{System: errno == syscall.ENFILE}
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil {
		e.Soft, e.Hard = rl.Cur, rl.Max
	}
	return e
}

func (e *FDLimitError) Error() string {
	if e.System {
		return "too many open files in the system (ENFILE): raise fs.file-max (sysctl)"
	}
	return fmt.Sprintf("too many open files: qmpwatch may have %d open (RLIMIT_NOFILE, hard limit %d), one per monitor "+
		"and a few more; raise it with ulimit -n before starting qmpwatch, or with LimitNOFILE= in its systemd unit "+
		"(contrib/systemd/qmpwatch.service sets 65536)", e.Soft, e.Hard)
}

// Unwrap lets errors.Is find EMFILE or ENFILE.
func (e *FDLimitError) Unwrap() error {
	if e.System {
		return syscall.ENFILE
	}
	return syscall.EMFILE
}
