// Package proxy shares one QEMU monitor among many QMP clients
// (`qmpwatch proxy`, docs/proxy.md). It holds the monitor once, greets and
// negotiates with each client itself, forwards each client's commands under
// ids it owns, returns each reply to its asker with the client's own id, and
// sends every event to every negotiated client, in QEMU's order. It prints
// nothing: client changes come out as Notes.
package proxy

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// The bounds of one client's queue of what the proxy has for it and it has
// not read yet (replies, and events in batches of those read from QEMU
// together): past either, the client is disconnected. Memory stays bounded whatever a client does, and a client
// that stops reading never holds up QEMU or the others.
const (
	DefaultQueueLen   = 4096
	DefaultQueueBytes = 16 << 20
	// MaxCommand bounds one command a client sends; a longer one ends
	// that client.
	MaxCommand = 1 << 20
	// maxBatch is about how many bytes of events go to a client at once.
	maxBatch = 64 << 10
	// maxFDs bounds the descriptors kept for one client's next command.
	maxFDs = 64
)

// Options set up a proxy.
type Options struct {
	Addr      conn.Addr    // the monitor shared
	Conn      conn.Options // dialling it: timeouts
	ReadOnly  bool         // relay only commands on conn.ReadOnly's allowlist
	Reconnect bool         // when the monitor goes away, dial it again (backoff) and serve it again
	// QueueLen and QueueBytes bound each client's queue (defaults above).
	QueueLen, QueueBytes int
	// SendBuffer, when set, is the kernel's send buffer of each client
	// socket (SO_SNDBUF), which tests make small.
	SendBuffer int
	Note       func(Note) // client changes; may be nil
}

// NoteKind is what happened to a client.
type NoteKind int

const (
	ClientConnected NoteKind = iota
	ClientLeft
	ClientDropped // it stopped reading and its queue overflowed
)

// Note is a change among the clients, for stderr.
type Note struct {
	Kind    NoteKind
	Client  int    // the client's number, from 1
	Clients int    // clients connected after the change
	Reason  string // ClientDropped: why
	Monitor string // the monitor's path as given (Options.Addr), for many proxies' notes
}

// Proxy is one shared monitor.
type Proxy struct {
	o       Options
	mu      sync.Mutex
	sess    *session      // the live upstream session, nil between sessions
	ready   chan struct{} // closed when sess is set
	noteMu  sync.Mutex
	monitor string // Options.Addr as given, for notes (Retarget leaves it)
	clients int    // connected (counted) clients, under noteMu
	number  atomic.Int64
	ended   chan struct{} // closed when Run returns
}

// New returns a proxy for o; Connect then Run it.
func New(o Options) *Proxy {
	if o.QueueLen <= 0 {
		o.QueueLen = DefaultQueueLen
	}
	if o.QueueBytes <= 0 {
		o.QueueBytes = DefaultQueueBytes
	}
	if o.Note == nil {
		o.Note = func(Note) {}
	}
	o.Conn.Enable = []string{"oob"} // passed on to the clients that ask for it
	return &Proxy{o: o, monitor: o.Addr.String(), ready: make(chan struct{}), ended: make(chan struct{})}
}

// Connect dials the monitor: the greeting and negotiation. Its error is
// conn's (not a QMP socket, refused, another client holds it).
func (p *Proxy) Connect(ctx context.Context) error {
	c, err := conn.Dial(ctx, p.o.Addr, p.o.Conn)
	if err != nil {
		return err
	}
	s, err := newSession(ctx, p, c)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.sess = s
	close(p.ready)
	p.mu.Unlock()
	return nil
}

// Retarget makes later dials (--reconnect) go to addr: a taken-over
// monitor's hidden name. Call it before Run.
func (p *Proxy) Retarget(addr conn.Addr) { p.o.Addr = addr }

// Run relays the monitor's messages until it goes away (with Reconnect,
// until ctx ends) and returns nil then: how the VM ended is the pipeline's
// to say, from the SHUTDOWN or its absence. Connect must have succeeded.
func (p *Proxy) Run(ctx context.Context) error {
	defer close(p.ended)
	bo := source.DefaultBackoff()
	for {
		p.mu.Lock()
		s := p.sess
		p.mu.Unlock()
		s.read()
		p.mu.Lock()
		p.sess, p.ready = nil, make(chan struct{})
		p.mu.Unlock()
		s.end()
		if !p.o.Reconnect || ctx.Err() != nil {
			return nil
		}
		for p.Connect(ctx) != nil {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(bo.Next()):
			}
		}
		bo.Reset()
	}
}

// current waits for a live session, or ctx's end, or Run's.
func (p *Proxy) current(ctx context.Context) (*session, error) {
	for {
		p.mu.Lock()
		s, ready := p.sess, p.ready
		p.mu.Unlock()
		if s != nil {
			return s, nil
		}
		select {
		case <-ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-p.ended:
			return nil, conn.ErrClosed
		}
	}
}

// Serve accepts clients on ln until ctx ends or ln fails, serving each in
// its own goroutine; it closes ln when ctx ends.
func (p *Proxy) Serve(ctx context.Context, ln net.Listener) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	for {
		nc, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		if uc, ok := nc.(*net.UnixConn); ok && p.o.SendBuffer > 0 {
			uc.SetWriteBuffer(p.o.SendBuffer)
		}
		go p.serve(ctx, nc, false)
	}
}

// Pipe is an in-process client of the proxy, for qmpwatch's own pipeline
// (as conn.Options.Dial): it waits for a live session and is never
// disconnected for reading slowly (the pipeline slows the monitor down
// instead, as watch does), and it is not counted among the clients.
func (p *Proxy) Pipe(ctx context.Context, _ conn.Addr) (net.Conn, error) {
	if _, err := p.current(ctx); err != nil {
		return nil, err
	}
	ours, theirs := net.Pipe()
	go p.serve(ctx, ours, true)
	return theirs, nil
}

// note counts a client in or out and reports it; one lock keeps the
// counts of the notes in the order of the notes.
func (p *Proxy) note(n Note, delta int) {
	p.noteMu.Lock()
	defer p.noteMu.Unlock()
	p.clients += delta
	n.Clients = p.clients
	n.Monitor = p.monitor
	p.o.Note(n)
}
