package libvirt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	golibvirt "github.com/digitalocean/go-libvirt"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// ErrLost means the connection to libvirtd ended (libvirtd stopped or
// restarted).
var ErrLost = errors.New("libvirtd closed the connection")

// Item is one thing libvirt told: a QEMU monitor event or a lifecycle event.
type Item struct {
	Event     *decode.Event // QEMU's event, labelled with the domain's name
	Lifecycle *Lifecycle
}

// Domain is a defined domain and its state.
type Domain struct {
	Name  string
	ID    int32 // -1 when not running
	State State
}

// Client is one libvirt connection. Make every read call (Domains, Version)
// before Subscribe: afterwards events are read on the connection's reading
// goroutine, which blocks while nobody takes them, and replies wait behind.
type Client struct {
	uri   URI
	lv    *golibvirt.Libvirt
	g     *guard
	items chan Item

	done     chan struct{} // closed by Close
	lost     chan struct{} // closed when the read side ends
	lostOnce sync.Once
	lostErr  error
	closed   sync.Once
}

// Options tune a connection.
type Options struct {
	DialTimeout time.Duration // 0: 5 s
	// Sent sees every procedure that passed the allowlist (tests).
	Sent func(program, procedure uint32)
}

// dialer is go-libvirt's socket.Dialer for our guarded connection.
type dialer func() (net.Conn, error)

func (d dialer) Dial() (net.Conn, error) { return d() }

// Dial connects to libvirt at u and checks that it is the QEMU driver.
func Dial(ctx context.Context, u URI, o Options) (*Client, error) {
	if o.DialTimeout == 0 {
		o.DialTimeout = 5 * time.Second
	}
	c := &Client{uri: u, items: make(chan Item, 64), done: make(chan struct{}), lost: make(chan struct{})}
	network, address := u.network()
	var (
		mu      sync.Mutex
		nc      net.Conn
		dialErr error
	)
	c.lv = golibvirt.NewWithDialer(dialer(func() (net.Conn, error) {
		d := net.Dialer{Timeout: o.DialTimeout}
		conn, err := d.DialContext(ctx, network, address)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			dialErr = err
			return nil, err
		}
		nc = conn
		c.g = &guard{Conn: &watched{Conn: conn, c: c}, message: c.message, sent: o.Sent}
		return c.g, nil
	}))
	// ConnectToURI can wait forever on a peer that never answers: the
	// dial timeout bounds the whole handshake.
	hctx, hcancel := context.WithTimeout(ctx, o.DialTimeout)
	defer hcancel()
	stop := context.AfterFunc(hctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if nc != nil {
			nc.Close()
		}
	})
	defer stop()
	if err := c.lv.ConnectToURI(golibvirt.ConnectURI(u.Remote())); err != nil {
		mu.Lock()
		defer mu.Unlock()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if dialErr != nil {
			if hctx.Err() != nil {
				return nil, fmt.Errorf("%s: nothing answered on %s within %s", u, address, o.DialTimeout)
			}
			return nil, dialError(u, address, dialErr)
		}
		if hctx.Err() != nil {
			return nil, fmt.Errorf("%s: no libvirt answer on %s within %s: is it libvirtd's socket?", u, address, o.DialTimeout)
		}
		return nil, callError(u, "connect", err)
	}
	typ, err := c.lv.ConnectGetType()
	if err != nil {
		c.Close()
		return nil, callError(u, "connect", err)
	}
	if typ != "QEMU" {
		c.Close()
		return nil, fmt.Errorf("%s: driver is %s, not QEMU: qmpwatch watches QEMU monitors", u, typ)
	}
	return c, nil
}

// URI is the URI this client connected to.
func (c *Client) URI() URI { return c.uri }

// Version is libvirt's view of the emulator's version (virsh version:
// "Running hypervisor: QEMU x.y.z").
func (c *Client) Version() (decode.Version, error) {
	v, err := c.lv.ConnectGetVersion()
	if err != nil {
		return decode.Version{}, callError(c.uri, "version", err)
	}
	return decode.Version{Major: int(v / 1000000), Minor: int(v / 1000 % 1000), Micro: int(v % 1000)}, nil
}

// Domains lists every defined domain with its state and reason.
func (c *Client) Domains() ([]Domain, error) {
	doms, _, err := c.lv.ConnectListAllDomains(1, 0)
	if err != nil {
		return nil, callError(c.uri, "list domains", err)
	}
	out := make([]Domain, 0, len(doms))
	for _, d := range doms {
		st, reason, err := c.lv.DomainGetState(d, 0)
		if err != nil {
			if golibvirt.IsNotFound(err) {
				continue // undefined meanwhile
			}
			return nil, callError(c.uri, "domain state", err)
		}
		out = append(out, Domain{Name: d.Name, ID: d.ID, State: State{State: st, Reason: reason}})
	}
	return out, nil
}

// Subscribe registers for every domain's lifecycle and QEMU monitor events,
// including domains that start later. Read them with Next.
func (c *Client) Subscribe() error {
	const lifecycle = 0 // VIR_DOMAIN_EVENT_ID_LIFECYCLE
	if _, err := c.lv.ConnectDomainEventCallbackRegisterAny(lifecycle, nil); err != nil {
		return callError(c.uri, "register lifecycle events", err)
	}
	// No domain and no event name: every event of every domain.
	if _, err := c.lv.QEMUConnectDomainMonitorEventRegister(nil, nil, 0); err != nil {
		return callError(c.uri, "register QEMU monitor events", err)
	}
	return nil
}

// Next returns the next event. It returns an error wrapping ErrLost when
// libvirtd went away, and ctx's error when ctx ends.
func (c *Client) Next(ctx context.Context) (Item, error) {
	select {
	case it := <-c.items:
		return it, nil
	case <-ctx.Done():
		return Item{}, ctx.Err()
	case <-c.lost:
		// Deliver what arrived before the end first.
		select {
		case it := <-c.items:
			return it, nil
		default:
		}
		return Item{}, c.lostErr
	}
}

// Close ends the connection (deregistering happens with it).
func (c *Client) Close() error {
	c.closed.Do(func() {
		close(c.done)
		select {
		case <-c.lost:
		default:
			// ConnectClose, then the socket; bounded by go-libvirt.
			c.lv.Disconnect()
		}
		// Disconnect leaves the socket open when ConnectClose fails.
		if c.g != nil {
			c.g.Conn.Close()
		}
	})
	return nil
}

// message runs on the reading goroutine for each diverted event packet.
func (c *Client) message(program, procedure uint32, payload []byte) {
	var it Item
	var err error
	if program == programQEMU {
		var m monitorEvent
		if m, err = decodeMonitorEvent(payload); err == nil {
			it.Event, err = qmpEvent(m)
		}
	} else {
		var l Lifecycle
		if l, err = decodeLifecycle(payload); err == nil {
			it.Lifecycle = &l
		}
	}
	if err != nil {
		// A broken event must not vanish: end the stream with it, as a
		// broken QMP stream does.
		c.end(fmt.Errorf("%s: %w", c.uri, err))
		c.g.Conn.Close()
		return
	}
	select {
	case c.items <- it:
	case <-c.done:
	}
}

func (c *Client) end(err error) {
	c.lostOnce.Do(func() {
		c.lostErr = err
		close(c.lost)
	})
}

// watched notices the end of the read side, whatever ended it.
type watched struct {
	net.Conn
	c *Client
}

func (w *watched) Read(p []byte) (int, error) {
	n, err := w.Conn.Read(p)
	if err != nil {
		// Said per domain ("web1: libvirtd closed the connection"), so
		// without the URI.
		if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrUnexpectedEOF) {
			w.c.end(ErrLost)
		} else {
			w.c.end(fmt.Errorf("%w: %v", ErrLost, err))
		}
	}
	return n, err
}
