package libvirt

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
)

// maxPacket bounds one RPC packet, as libvirt's own VIR_NET_MESSAGE_MAX
// (32 MiB of payload) does, so a broken peer cannot make us allocate more.
const maxPacket = 32<<20 + 4096

// headerLen is the length word plus libvirt's six-word packet header.
const headerLen = 28

// messageType is VIR_NET_MESSAGE: something the daemon sends unasked.
const messageType = 2

// guard sits between go-libvirt and the socket. On the way out it lets only
// allowlisted procedures through (checked per packet header, so nothing
// outside the list is ever written). On the way in it takes the event
// packets for itself: go-libvirt's router drops QEMU monitor events without
// data (STOP, RESUME, …) because its DomainEvent cannot decode a null
// details, so qmpwatch decodes them here and go-libvirt only sees replies.
type guard struct {
	net.Conn
	// message receives each diverted event packet's procedure and payload;
	// it runs on the reading goroutine and may block (back-pressure).
	message func(program, procedure uint32, payload []byte)
	// sent, when set, sees every procedure that passed (tests).
	sent func(program, procedure uint32)

	wmu     sync.Mutex
	head    []byte // the start of the packet being written, until checked
	left    int    // bytes of the current packet still to pass unchecked
	refused error  // a refused packet poisons the rest of the stream

	in []byte // reply bytes go-libvirt has not read yet
}

func (g *guard) Write(p []byte) (int, error) {
	g.wmu.Lock()
	defer g.wmu.Unlock()
	if g.refused != nil {
		return 0, g.refused
	}
	n := 0
	for len(p) > 0 {
		if g.left > 0 {
			k := min(g.left, len(p))
			if _, err := g.Conn.Write(p[:k]); err != nil {
				return n, err
			}
			g.left -= k
			n += k
			p = p[k:]
			continue
		}
		// Collect the length, program, version and procedure words.
		k := min(16-len(g.head), len(p))
		g.head = append(g.head, p[:k]...)
		n += k
		p = p[k:]
		if len(g.head) < 16 {
			continue
		}
		length := binary.BigEndian.Uint32(g.head[0:4])
		program := binary.BigEndian.Uint32(g.head[4:8])
		procedure := binary.BigEndian.Uint32(g.head[12:16])
		if err := check(program, procedure); err != nil {
			g.refused = err
			return n, err
		}
		if length < 16 {
			g.refused = fmt.Errorf("malformed outgoing libvirt packet (length %d)", length)
			return n, g.refused
		}
		if g.sent != nil {
			g.sent(program, procedure)
		}
		if _, err := g.Conn.Write(g.head); err != nil {
			return n, err
		}
		g.left = int(length) - 16
		g.head = g.head[:0]
	}
	return n, nil
}

func (g *guard) Read(p []byte) (int, error) {
	for len(g.in) == 0 {
		pkt, err := readPacket(g.Conn)
		if err != nil {
			return 0, err
		}
		program := binary.BigEndian.Uint32(pkt[4:8])
		procedure := binary.BigEndian.Uint32(pkt[12:16])
		typ := binary.BigEndian.Uint32(pkt[16:20])
		if typ == messageType && (program == programQEMU && procedure == procMonitorEvent ||
			program == programRemote && procedure == procLifecycleEvent) {
			g.message(program, procedure, pkt[headerLen:])
			continue
		}
		g.in = pkt
	}
	n := copy(p, g.in)
	g.in = g.in[n:]
	return n, nil
}

// readPacket reads one whole RPC packet, length word included.
func readPacket(r io.Reader) ([]byte, error) {
	var lb [4]byte
	if _, err := io.ReadFull(r, lb[:]); err != nil {
		return nil, err
	}
	length := binary.BigEndian.Uint32(lb[:])
	if length < headerLen || length > maxPacket {
		return nil, fmt.Errorf("malformed libvirt packet (length %d)", length)
	}
	pkt := make([]byte, length)
	copy(pkt, lb[:])
	if _, err := io.ReadFull(r, pkt[4:]); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return pkt, nil
}
