package source

import (
	"fmt"
	"strings"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/safe"
)

// StatusLine is the one line on stderr for each connection change, built
// here only, whatever the command (next to Status: render, which formats
// stdout, cannot import source, whose fleet readers import render). Every string in it that comes from the
// wire or the file system (the VM's -name, the socket path, the monitor's
// error texts) is escaped: a VM named with terminal escapes cannot reach
// the terminal through it.
func StatusLine(st Status) string {
	vm, addr := safe.String(st.VM), safe.String(st.Addr)
	switch st.Kind {
	case Connected:
		return fmt.Sprintf("qmpwatch: connected to %s (QEMU %s%s) at %s", DisplayName(safe.String(st.Name), vm), st.QEMU, st.Note, addr)
	case Reconnected:
		return fmt.Sprintf("qmpwatch: reconnected to %s (QEMU %s%s) at %s after %s without a connection: events of that gap are lost",
			DisplayName(safe.String(st.Name), vm), st.QEMU, st.Note, addr, st.Gap.Round(time.Millisecond))
	case Disconnected:
		then := ""
		if st.Retrying {
			then = "; reconnecting"
		}
		if st.Failure {
			return fmt.Sprintf("qmpwatch: %s: %s%s", vm, withAddr(st), then)
		}
		return fmt.Sprintf("%s: %s%s", vm, safe.String(Reason(st.Err)), then)
	case Unreachable:
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
func withAddr(st Status) string {
	msg := st.Err.Error()
	if !strings.HasPrefix(msg, st.Addr) {
		msg = st.Addr + ": " + msg
	}
	return safe.String(msg)
}
