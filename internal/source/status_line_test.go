package source

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// Every status line escapes what comes from the wire or the file system.
func TestStatusLineEscapes(t *testing.T) {
	const evil = "evil\x1b]0;PWNED\a\x1b[2J\u202e"
	v := decode.Version{Major: 7, Minor: 2}
	for _, st := range []Status{
		{Kind: Connected, VM: evil, Name: evil, Addr: "/run/" + evil, QEMU: v},
		{Kind: Reconnected, VM: evil, Name: evil, Addr: "/run/" + evil, QEMU: v, Gap: time.Second},
		{Kind: Disconnected, VM: evil, Addr: "/run/" + evil, Err: errors.New(evil)},
		{Kind: Disconnected, VM: evil, Addr: "/run/" + evil, Err: errors.New(evil), Failure: true, Retrying: true},
		{Kind: Unreachable, Addr: "/run/" + evil, Err: errors.New(evil), Retrying: true},
	} {
		line := StatusLine(st)
		if line == "" || strings.ContainsAny(line, "\x1b\a\u202e") {
			t.Errorf("kind %d: %q", st.Kind, line)
		}
	}
	if got := StatusLine(Status{Kind: Connected, VM: "vm1", Addr: "/run/vm1.qmp", QEMU: v, Note: ", running"}); got != "qmpwatch: connected to vm1 (no -name) (QEMU 7.2.0, running) at /run/vm1.qmp" {
		t.Errorf("connected: %q", got)
	}
}
