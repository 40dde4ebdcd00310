package libvirt

import (
	"encoding/binary"
	"errors"
)

var errShort = errors.New("truncated libvirt event")

// xdr reads the few XDR types libvirt's two event messages use. go-libvirt
// keeps its decoder internal; these messages are small and fixed:
// qemu_domain_monitor_event_msg and remote_domain_event_callback_lifecycle_msg.
type xdr struct {
	b   []byte
	err error
}

func (x *xdr) take(n int) []byte {
	if x.err != nil || n < 0 || n > len(x.b) {
		x.err = errShort
		return nil
	}
	v := x.b[:n]
	x.b = x.b[n:]
	return v
}

func (x *xdr) uint32() uint32 {
	b := x.take(4)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}

func (x *xdr) int32() int32 { return int32(x.uint32()) }

func (x *xdr) int64() int64 {
	b := x.take(8)
	if b == nil {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}

// bytes reads variable-length opaque data: a length, then the bytes padded
// to a multiple of four.
func (x *xdr) bytes() []byte {
	n := int(x.uint32())
	if x.err != nil {
		return nil
	}
	v := x.take(n)
	x.take((4 - n%4) % 4)
	return v
}

// domain reads remote_nonnull_domain: name, 16-byte UUID, id.
func (x *xdr) domain() (name string, id int32) {
	name = string(x.bytes())
	x.take(16)
	return name, x.int32()
}

// monitorEvent is qemu_domain_monitor_event_msg.
type monitorEvent struct {
	Domain  string
	Event   string
	Seconds int64
	Micros  uint32
	Details []byte // nil when QEMU's event had no data
}

func decodeMonitorEvent(b []byte) (monitorEvent, error) {
	x := &xdr{b: b}
	var m monitorEvent
	x.int32() // callback id: qmpwatch registers one callback
	m.Domain, _ = x.domain()
	m.Event = string(x.bytes())
	m.Seconds = x.int64()
	m.Micros = x.uint32()
	// details is a remote_string: an optional string (0 or 1 element).
	switch x.uint32() {
	case 0:
	case 1:
		m.Details = x.bytes()
	default:
		x.err = errors.New("malformed libvirt event details")
	}
	return m, x.err
}

func decodeLifecycle(b []byte) (Lifecycle, error) {
	x := &xdr{b: b}
	x.int32() // callback id
	var l Lifecycle
	l.Domain, l.ID = x.domain()
	l.Event = LifecycleEvent(x.int32())
	l.Detail = x.int32()
	return l, x.err
}
