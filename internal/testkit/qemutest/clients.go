package qemutest

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// clientTimeout bounds each network exchange of the VNC and SPICE helpers.
const clientTimeout = 30 * time.Second

// VNCClient connects to a QEMU VNC server at addr and does the RFB 3.8
// handshake with security type None and a shared ClientInit, which makes QEMU
// emit VNC_CONNECTED and VNC_INITIALIZED. The returned close disconnects
// (VNC_DISCONNECTED); it may be called more than once.
func VNCClient(t testing.TB, addr string) (close func()) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, clientTimeout)
	if err != nil {
		t.Fatalf("qemutest: VNC dial %s: %v", addr, err)
	}
	if err := vncHandshake(c); err != nil {
		c.Close()
		t.Fatalf("qemutest: VNC handshake with %s: %v", addr, err)
	}
	var once sync.Once
	closeFn := func() { once.Do(func() { c.Close() }) }
	t.Cleanup(closeFn)
	return closeFn
}

func vncHandshake(c net.Conn) error {
	c.SetDeadline(time.Now().Add(clientTimeout))
	defer c.SetDeadline(time.Time{})
	ver := make([]byte, 12)
	if _, err := io.ReadFull(c, ver); err != nil {
		return fmt.Errorf("protocol version: %w", err)
	}
	if !bytes.HasPrefix(ver, []byte("RFB ")) {
		return fmt.Errorf("not an RFB server: %q", ver)
	}
	if _, err := c.Write([]byte("RFB 003.008\n")); err != nil {
		return err
	}
	var n [1]byte
	if _, err := io.ReadFull(c, n[:]); err != nil {
		return fmt.Errorf("security types: %w", err)
	}
	if n[0] == 0 {
		return fmt.Errorf("server refused: %s", readRFBReason(c))
	}
	types := make([]byte, n[0])
	if _, err := io.ReadFull(c, types); err != nil {
		return err
	}
	if !bytes.Contains(types, []byte{1}) {
		return fmt.Errorf("server does not offer security type None (offers %v)", types)
	}
	if _, err := c.Write([]byte{1}); err != nil {
		return err
	}
	var result uint32
	if err := binary.Read(c, binary.BigEndian, &result); err != nil {
		return fmt.Errorf("security result: %w", err)
	}
	if result != 0 {
		return fmt.Errorf("security failed: %s", readRFBReason(c))
	}
	if _, err := c.Write([]byte{1}); err != nil { // ClientInit: shared
		return err
	}
	// ServerInit: width, height, 16-byte pixel format, then the desktop name.
	hdr := make([]byte, 2+2+16+4)
	if _, err := io.ReadFull(c, hdr); err != nil {
		return fmt.Errorf("server init: %w", err)
	}
	name := make([]byte, binary.BigEndian.Uint32(hdr[20:]))
	if _, err := io.ReadFull(c, name); err != nil {
		return fmt.Errorf("server name: %w", err)
	}
	return nil
}

func readRFBReason(c net.Conn) string {
	var l uint32
	if binary.Read(c, binary.BigEndian, &l) != nil || l > 4096 {
		return "(no reason)"
	}
	b := make([]byte, l)
	io.ReadFull(c, b)
	return string(b)
}

// SPICE channel types, as in spice-protocol.
const (
	SpiceMain    = 1
	SpiceDisplay = 2
	SpiceInputs  = 3
	SpiceCursor  = 4
)

// SpiceSession opens one SPICE session at addr: the main channel first (link
// message, then the empty ticket encrypted with RSA-OAEP/SHA-1 under the
// server's public key from the link reply, then MAIN_INIT for the session
// id), then each of channels (SpiceDisplay, SpiceInputs, SpiceCursor, ...)
// linked with that session id, so QEMU sees one session of several channels:
// SPICE_CONNECTED and SPICE_INITIALIZED per channel. With no channels only
// the main channel is opened. The returned close disconnects all channels,
// the main channel last (SPICE_DISCONNECTED per channel); it may be called
// more than once.
func SpiceSession(t testing.TB, addr string, channels ...int) (close func()) {
	t.Helper()
	s, err := openSpice(addr, channels)
	if err != nil {
		t.Fatalf("qemutest: SPICE session at %s: %v", addr, err)
	}
	var once sync.Once
	closeFn := func() { once.Do(s.close) }
	t.Cleanup(closeFn)
	return closeFn
}

type spiceSession struct {
	addr  string
	id    uint32     // session (connection) id from MAIN_INIT
	conns []net.Conn // main first
	wg    sync.WaitGroup
}

func (s *spiceSession) close() {
	for i := len(s.conns) - 1; i >= 0; i-- {
		s.conns[i].Close()
		if i > 0 {
			// Let the server see each channel go before the main one, whose
			// loss would otherwise tear the rest down itself.
			time.Sleep(20 * time.Millisecond)
		}
	}
	s.wg.Wait()
}

// drain discards what the server sends after the link (display updates,
// pings), so that it never blocks on a full socket buffer.
func (s *spiceSession) drain(c net.Conn) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		io.Copy(io.Discard, c)
	}()
}

func openSpice(addr string, channels []int) (*spiceSession, error) {
	s, err := newSpiceSession(addr)
	if err != nil {
		return nil, err
	}
	for _, ch := range channels {
		if err := s.addChannel(ch); err != nil {
			s.close()
			return nil, err
		}
	}
	return s, nil
}

// newSpiceSession links a main channel, which starts a new session.
func newSpiceSession(addr string) (*spiceSession, error) {
	s := &spiceSession{addr: addr}
	main, err := spiceLink(addr, 0, SpiceMain)
	if err != nil {
		return nil, fmt.Errorf("main channel: %w", err)
	}
	s.conns = append(s.conns, main)
	s.id, err = spiceMainInit(main)
	if err != nil {
		s.close()
		return nil, fmt.Errorf("main channel: %w", err)
	}
	s.drain(main)
	return s, nil
}

// addChannel links one more channel of type ch into the session.
func (s *spiceSession) addChannel(ch int) error {
	c, err := spiceLink(s.addr, s.id, uint8(ch))
	if err != nil {
		return fmt.Errorf("channel type %d: %w", ch, err)
	}
	s.conns = append(s.conns, c)
	if ch == SpiceDisplay {
		if err := spiceDisplayInit(c); err != nil {
			return fmt.Errorf("display channel: %w", err)
		}
	}
	s.drain(c)
	return nil
}

const (
	spiceMagic        = "REDQ"
	spiceVersionMajor = 2
	spiceVersionMinor = 2
	// Common capabilities: AUTH_SELECTION (0), AUTH_SPICE (1), MINI_HEADER (3).
	spiceCommonCaps  = 1<<0 | 1<<1 | 1<<3
	spiceAuthSpice   = 1
	spiceMsgMainInit = 103
	spicePubKeyBytes = 162
)

// spiceLink dials addr and links one channel of the session (0 = new session).
func spiceLink(addr string, session uint32, chType uint8) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, clientTimeout)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(clientTimeout))
	if err := spiceLinkOn(c, session, chType); err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

func spiceLinkOn(c net.Conn, session uint32, chType uint8) error {
	le := binary.LittleEndian
	// SpiceLinkMess: connection_id u32, channel_type u8, channel_id u8,
	// num_common_caps u32, num_channel_caps u32, caps_offset u32; then caps.
	var mess bytes.Buffer
	binary.Write(&mess, le, session)
	mess.Write([]byte{chType, 0})
	binary.Write(&mess, le, []uint32{1, 0, 18, spiceCommonCaps})
	var msg bytes.Buffer
	msg.WriteString(spiceMagic)
	binary.Write(&msg, le, []uint32{spiceVersionMajor, spiceVersionMinor, uint32(mess.Len())})
	msg.Write(mess.Bytes())
	if _, err := c.Write(msg.Bytes()); err != nil {
		return err
	}

	// Reply: the same 16-byte header, then error u32, the 162-byte DER public
	// key, and capabilities we do not need.
	hdr := make([]byte, 16)
	if _, err := io.ReadFull(c, hdr); err != nil {
		return fmt.Errorf("link reply: %w", err)
	}
	if string(hdr[:4]) != spiceMagic {
		return fmt.Errorf("not a SPICE server: %q", hdr)
	}
	if major := le.Uint32(hdr[4:]); major != spiceVersionMajor {
		return fmt.Errorf("server speaks SPICE %d", major)
	}
	size := le.Uint32(hdr[12:])
	if size < 4+spicePubKeyBytes || size > 1<<16 {
		return fmt.Errorf("link reply of %d bytes", size)
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(c, body); err != nil {
		return fmt.Errorf("link reply: %w", err)
	}
	if e := le.Uint32(body); e != 0 {
		return fmt.Errorf("link refused, error %d", e)
	}
	key, err := x509.ParsePKIXPublicKey(body[4 : 4+spicePubKeyBytes])
	if err != nil {
		return fmt.Errorf("server public key: %w", err)
	}
	pub, ok := key.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("server public key is %T, not RSA", key)
	}
	// The ticket is the password with its terminating NUL, as spice clients
	// send it; with disable-ticketing the server still decrypts it.
	ticket, err := rsa.EncryptOAEP(sha1.New(), rand.Reader, pub, []byte{0}, nil)
	if err != nil {
		return err
	}
	var auth bytes.Buffer
	binary.Write(&auth, le, uint32(spiceAuthSpice))
	auth.Write(ticket)
	if _, err := c.Write(auth.Bytes()); err != nil {
		return err
	}
	var result uint32
	if err := binary.Read(c, le, &result); err != nil {
		return fmt.Errorf("link result: %w", err)
	}
	if result != 0 {
		return fmt.Errorf("link failed, error %d", result)
	}
	return nil
}

// spiceDisplayInit sends SPICE_MSGC_DISPLAY_INIT (pixmap cache id u8, size
// i64, glz dictionary id u8, window size i32), as every real client does
// right after linking a display channel. It is not optional: QEMU 7.2 with
// Debian's spice-server 0.15.1 segfaults (SPICE Worker thread) when a display
// channel that never sent it disconnects.
func spiceDisplayInit(c net.Conn) error {
	le := binary.LittleEndian
	var m bytes.Buffer
	binary.Write(&m, le, uint16(101)) // mini header: type
	binary.Write(&m, le, uint32(14))  // mini header: size
	m.WriteByte(1)
	binary.Write(&m, le, int64(1<<20))
	m.WriteByte(1)
	binary.Write(&m, le, int32(1<<20))
	_, err := c.Write(m.Bytes())
	return err
}

// spiceMainInit reads main-channel messages (mini header: type u16, size
// u32) until SPICE_MSG_MAIN_INIT and returns its session id.
func spiceMainInit(c net.Conn) (uint32, error) {
	c.SetDeadline(time.Now().Add(clientTimeout))
	defer c.SetDeadline(time.Time{})
	le := binary.LittleEndian
	for {
		hdr := make([]byte, 6)
		if _, err := io.ReadFull(c, hdr); err != nil {
			return 0, fmt.Errorf("waiting for MAIN_INIT: %w", err)
		}
		typ, size := le.Uint16(hdr), le.Uint32(hdr[2:])
		if size > 1<<20 {
			return 0, fmt.Errorf("message of %d bytes", size)
		}
		body := make([]byte, size)
		if _, err := io.ReadFull(c, body); err != nil {
			return 0, err
		}
		if typ == spiceMsgMainInit {
			if size < 4 {
				return 0, fmt.Errorf("short MAIN_INIT")
			}
			return le.Uint32(body), nil
		}
	}
}
