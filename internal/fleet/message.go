package fleet

import (
	"strconv"

	"github.com/nats-io/nats.go"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/render"
)

// Headers of every message qmpwatch publishes, besides the body.
const (
	// HeaderQEMU is the QEMU version of the VM ("7.2.0"), so that readers
	// check events against the schema of the right version.
	HeaderQEMU = "Qmp-Qemu-Version"
	// HeaderHost is the publisher's host label, unescaped.
	HeaderHost = "Qmp-Host"
)

// Body is the message for ev from host: exactly qmpwatch's `-o json` line
// (QEMU's event object, compacted, plus "vm"), plus "host", without the
// newline.
func Body(dst []byte, ev *decode.Event, host string) []byte {
	start := len(dst)
	dst, _ = render.JSON{}.Render(dst, ev) // JSON never fails
	dst = dst[:len(dst)-1]                 // the newline
	end := len(dst) - 1                    // the closing brace
	dst = dst[:end]
	if end > start+1 {
		dst = append(dst, ',')
	}
	dst = append(dst, `"host":`...)
	dst = decode.AppendQuote(dst, host)
	return append(dst, '}')
}

// MsgID is the Nats-Msg-Id of an event: stable for the event, so the
// stream's duplicate window drops it when a publisher sends it twice (after
// a lost acknowledgement). seq tells apart events of one VM that carry the
// same QEMU timestamp: 0 for the first, 1 for the next, and so on.
func MsgID(host, vm string, ev *decode.Event, seq int) string {
	b := make([]byte, 0, 64)
	b = append(b, Escape(host)...)
	b = append(b, '.')
	b = append(b, Escape(vm)...)
	b = append(b, '.')
	b = strconv.AppendInt(b, ev.Seconds, 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, ev.Micros, 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(seq), 10)
	return string(b)
}

// NewMsg builds the message for ev: subject, body and headers. It runs for
// every event published: the body is sized once, and the header names,
// already in canonical form, are set without Header.Set's canonicalizing.
func NewMsg(ev *decode.Event, host, qemu string, seq int) *nats.Msg {
	m := nats.NewMsg(Subject(host, ev.VM, ev.Name))
	// Compacting never lengthens; "vm", "host" and their quoting may.
	m.Data = Body(make([]byte, 0, len(ev.Raw)+2*(len(ev.VM)+len(host))+32), ev, host)
	m.Header[nats.MsgIdHdr] = []string{MsgID(host, ev.VM, ev, seq)}
	m.Header[HeaderHost] = []string{host}
	if qemu != "" {
		m.Header[HeaderQEMU] = []string{qemu}
	}
	return m
}
