package proxy

import (
	"context"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// session is one connection to the monitor and the clients served on it.
type session struct {
	p        *Proxy
	nc       net.Conn
	uc       *net.UnixConn // nc, when descriptors can pass (a unix socket)
	fr       *decode.Framer
	greeting []byte // what each client is greeted with
	oob      bool   // the monitor negotiated oob, so clients may
	stop     func() bool

	wmu    sync.Mutex // one command written upstream at a time
	nextID atomic.Uint64

	pmu     sync.Mutex
	pending map[uint64]*slot // commands sent up, by the proxy's id

	cmu     sync.Mutex
	all     map[*client]bool          // every client on this session
	clients atomic.Pointer[[]*client] // the negotiated ones, which get events
	done    chan struct{}             // closed when the monitor is gone
}

// newSession takes over c's negotiated connection.
func newSession(ctx context.Context, p *Proxy, c *conn.Client) (*session, error) {
	g := c.Greeting()
	nc, fr := c.Detach()
	s := &session{p: p, nc: nc, fr: fr, pending: map[uint64]*slot{}, all: map[*client]bool{}, done: make(chan struct{})}
	s.uc, _ = nc.(*net.UnixConn)
	for _, e := range c.Enabled() {
		s.oob = s.oob || e == "oob"
	}
	s.greeting = greeting(g.Raw, s.oob)
	s.clients.Store(&[]*client{})
	s.stop = context.AfterFunc(ctx, func() { nc.Close() })
	return s, nil
}

// greeting is QEMU's greeting as the proxy gives it: QEMU's version as QEMU
// wrote it, and only the capabilities the proxy can honour.
func greeting(qmp []byte, oob bool) []byte {
	version := []byte("{}")
	if ms, ok := members(qmp); ok {
		if v := lookup(ms, "version"); v != nil {
			version = v
		}
	}
	caps := "[]"
	if oob {
		caps = `["oob"]`
	}
	b := append([]byte(`{"QMP": {"version": `), version...)
	return line(append(b, `, "capabilities": `+caps+`}}`...))
}

// read relays the monitor's messages until it goes away. The events it has
// already read go to each client together, one queue entry and one write
// for many events under load; a reply first sends the events before it.
func (s *session) read() {
	var batch []byte
	flush := func() {
		if len(batch) > 0 {
			for _, c := range *s.clients.Load() {
				c.send(batch)
			}
			batch = nil // the clients hold the old one
		}
	}
	defer flush()
	for {
		m, err := s.fr.NextMessage()
		if err != nil {
			return
		}
		switch m.Kind {
		case decode.MsgEvent:
			batch = append(append(batch, m.Raw...), '\r', '\n')
		case decode.MsgReturn, decode.MsgError:
			flush()
			s.reply(&m)
		}
		if len(batch) >= maxBatch || !s.fr.Ready() {
			flush()
		}
	}
}

// reply hands a reply to the client that asked, with its own id.
func (s *session) reply(m *decode.Message) {
	id, err := strconv.ParseUint(string(m.ID), 10, 64)
	if err != nil {
		return // not one of ours: nobody to give it to
	}
	s.pmu.Lock()
	sl := s.pending[id]
	delete(s.pending, id)
	s.pmu.Unlock()
	if sl == nil {
		return
	}
	ms, _ := members(m.Raw)
	sl.c.answer(sl, line(withID(ms, sl.id)))
}

// forward sends a client's command up under a new id of the proxy's, with
// the descriptors that came with it, and registers where its reply goes.
func (s *session) forward(sl *slot, ms []member, fds []int) {
	id := s.nextID.Add(1)
	s.pmu.Lock()
	s.pending[id] = sl
	s.pmu.Unlock()
	msg := append(withID(ms, strconv.AppendUint(nil, id, 10)), '\n')
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if len(fds) > 0 && s.uc != nil {
		n, _, err := s.uc.WriteMsgUnix(msg, syscall.UnixRights(fds...), nil)
		if err == nil && n < len(msg) {
			s.nc.Write(msg[n:])
		}
		return
	}
	// A failed write is the monitor going away, which read sees and ends
	// the session with.
	s.nc.Write(msg)
}

// line ends a message as QEMU does, with CRLF.
func line(b []byte) []byte { return append(b, '\r', '\n') }

// attach adds a client to the session; false when the session is over.
func (s *session) attach(c *client) bool {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	select {
	case <-s.done:
		return false
	default:
	}
	s.all[c] = true
	return true
}

// negotiated starts sending events to c. Its qmp_capabilities reply is
// already queued, so no event can come before it.
func (s *session) negotiated(c *client) {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	if !s.all[c] {
		return
	}
	list := append(append([]*client(nil), *s.clients.Load()...), c)
	s.clients.Store(&list)
}

// detach forgets a client that left.
func (s *session) detach(c *client) {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	delete(s.all, c)
	old := *s.clients.Load()
	list := make([]*client, 0, len(old))
	for _, o := range old {
		if o != c {
			list = append(list, o)
		}
	}
	s.clients.Store(&list)
}

// end is the monitor gone: each client gets what was queued for it (the
// SHUTDOWN, if QEMU sent one) and then the end of its stream.
func (s *session) end() {
	s.stop()
	s.nc.Close()
	s.cmu.Lock()
	close(s.done)
	all := s.all
	s.all = map[*client]bool{}
	s.clients.Store(&[]*client{})
	s.cmu.Unlock()
	for c := range all {
		c.finish()
	}
}
