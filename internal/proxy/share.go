package proxy

import (
	"context"
	"net"
	"sync"

	"github.com/qmpwatch/qmpwatch/internal/conn"
)

// Sharer takes over each monitor it is asked to dial (`serve --dir DIR
// --share`): the agent holds every monitor through a proxy at the VM's own
// path, and the operator's tools still work there. Its Dial is a
// conn.Options.Dial; each path is given back when its QEMU goes away or
// when the Sharer is closed.
type Sharer struct {
	ctx    context.Context
	o      Options
	mu     sync.Mutex
	shared map[string]*shared
	wg     sync.WaitGroup
}

// shared is one taken-over monitor.
type shared struct {
	p      *Proxy
	cancel context.CancelFunc
}

// NewSharer shares the monitors dialled through it until ctx ends. o holds
// the options every proxy gets (Conn, ReadOnly, Note); Addr is each path.
func NewSharer(ctx context.Context, o Options) *Sharer {
	o.Reconnect = false // a new QEMU at the path is the folder watch's to find
	return &Sharer{ctx: ctx, o: o, shared: map[string]*shared{}}
}

// Dial takes addr's monitor over, once, and returns a client of its proxy.
func (s *Sharer) Dial(ctx context.Context, addr conn.Addr) (net.Conn, error) {
	if addr.Network != "unix" {
		var d net.Dialer
		return d.DialContext(ctx, addr.Network, addr.Address)
	}
	s.mu.Lock()
	sh := s.shared[addr.Address]
	s.mu.Unlock()
	if sh == nil {
		var err error
		if sh, err = s.take(addr); err != nil {
			return nil, err
		}
	}
	return sh.p.Pipe(ctx, addr)
}

// take takes one monitor over and serves it until its QEMU goes away.
func (s *Sharer) take(addr conn.Addr) (*shared, error) {
	t, _, err := Take(addr.Address)
	if err != nil {
		return nil, err
	}
	o := s.o
	o.Addr = addr
	p := New(o)
	ctx, cancel := context.WithCancel(s.ctx)
	if err := p.Connect(ctx); err != nil {
		cancel()
		t.Release()
		return nil, err
	}
	ln, err := t.Move()
	if err != nil {
		cancel()
		t.Release()
		return nil, err
	}
	p.Retarget(conn.Addr{Network: "unix", Address: t.Hidden})
	sh := &shared{p: p, cancel: cancel}
	s.mu.Lock()
	s.shared[addr.Address] = sh
	s.mu.Unlock()
	s.wg.Add(1)
	go p.Serve(ctx, ln)
	go func() {
		defer s.wg.Done()
		p.Run(ctx)
		cancel()
		ln.Close()
		t.Release()
		s.mu.Lock()
		delete(s.shared, addr.Address)
		s.mu.Unlock()
	}()
	return sh, nil
}

// Close gives every path back and waits until it is done.
func (s *Sharer) Close() {
	s.mu.Lock()
	for _, sh := range s.shared {
		sh.cancel()
	}
	s.mu.Unlock()
	s.wg.Wait()
}
