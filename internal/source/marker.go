package source

import (
	"strconv"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// Marker event names: qmpwatch's own events, documented in the catalog.
const (
	EventDisconnected = "QMPWATCH_DISCONNECTED"
	EventReconnected  = "QMPWATCH_RECONNECTED"
)

// DisconnectedEvent builds a QMPWATCH_DISCONNECTED marker for vm. It is a
// real QMP event object, so every output format treats it like QEMU's own.
func DisconnectedEvent(vm string, at time.Time, reason string) *decode.Event {
	b := markerHead(nil, at, EventDisconnected)
	b = append(b, `"data": {"reason": `...)
	b = decode.AppendQuote(b, reason)
	b = append(b, "}}"...)
	return markerEvent(b, vm)
}

// ReconnectedEvent builds a QMPWATCH_RECONNECTED marker: the gap is in
// seconds, with millisecond precision.
func ReconnectedEvent(vm string, at time.Time, reason string, gap time.Duration) *decode.Event {
	b := markerHead(nil, at, EventReconnected)
	b = append(b, `"data": {"reason": `...)
	b = decode.AppendQuote(b, reason)
	b = append(b, `, "gap": `...)
	b = strconv.AppendFloat(b, gap.Seconds(), 'f', 3, 64)
	b = append(b, "}}"...)
	return markerEvent(b, vm)
}

// markerHead writes the timestamp and name in QEMU's member order.
func markerHead(b []byte, at time.Time, name string) []byte {
	b = append(b, `{"timestamp": {"seconds": `...)
	b = strconv.AppendInt(b, at.Unix(), 10)
	b = append(b, `, "microseconds": `...)
	b = strconv.AppendInt(b, int64(at.Nanosecond()/1000), 10)
	b = append(b, `}, "event": "`...)
	b = append(b, name...)
	return append(b, `", `...)
}

func markerEvent(raw []byte, vm string) *decode.Event {
	m, err := decode.ScanMessage(raw)
	if err != nil || m.Kind != decode.MsgEvent {
		// The bytes above are built from quoted strings and numbers only.
		panic("source: malformed marker event: " + string(raw))
	}
	return decode.NewEvent(&m, vm)
}
