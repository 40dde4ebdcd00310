package libvirt

import (
	"fmt"
	"strconv"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// qmpEvent rebuilds the QMP event object QEMU sent, from what libvirt
// relays: QEMU's name, QEMU's own timestamp and QEMU's data (as libvirt
// re-serialised it), in QEMU's member order. The VM label is the domain.
func qmpEvent(m monitorEvent) (*decode.Event, error) {
	b := make([]byte, 0, 96+len(m.Event)+len(m.Details))
	b = append(b, `{"timestamp": {"seconds": `...)
	b = strconv.AppendInt(b, m.Seconds, 10)
	b = append(b, `, "microseconds": `...)
	b = strconv.AppendUint(b, uint64(m.Micros), 10)
	b = append(b, `}, "event": `...)
	b = decode.AppendQuote(b, m.Event)
	if m.Details != nil {
		b = append(b, `, "data": `...)
		b = append(b, m.Details...)
	}
	b = append(b, '}')
	msg, err := decode.ScanMessage(b)
	if err != nil || msg.Kind != decode.MsgEvent {
		return nil, fmt.Errorf("domain %s: libvirt relayed a malformed %s event: %v", m.Domain, m.Event, err)
	}
	return decode.NewEvent(&msg, m.Domain), nil
}
