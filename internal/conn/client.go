package conn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// maxPending and maxPendingBytes bound the events kept while a query waits
// for its reply, in number and in bytes, so that a monitor flooding events
// (small or big) and never answering cannot grow memory: past either, the
// connection fails.
const maxPending = 100000

var maxPendingBytes = 64 << 20 // a var so that tests can lower it

// Options tune a connection. Zero values pick the defaults.
type Options struct {
	DialTimeout     time.Duration // default 5s
	GreetingTimeout time.Duration // default 5s; also bounds the capabilities reply
	QueryTimeout    time.Duration // default 10s, for each query-* reply
	// Deadline, when set, is a time past which no dial, greeting or reply
	// is awaited (watch --timeout bounds the whole wait): a wait it cuts
	// short fails with ErrDeadline.
	Deadline   time.Time
	MaxMessage int // default decode.DefaultMaxMessage
	// Enable lists the capabilities to negotiate when the greeting offers
	// them ("oob"): the proxy asks for what it can pass on to its clients.
	Enable []string
	// Dial, when set, replaces the network dial: the proxy hands its own
	// pipeline an in-process connection to itself.
	Dial func(ctx context.Context, addr Addr) (net.Conn, error)
}

func (o Options) withDefaults() Options {
	if o.DialTimeout == 0 {
		o.DialTimeout = 5 * time.Second
	}
	if o.GreetingTimeout == 0 {
		o.GreetingTimeout = 5 * time.Second
	}
	if o.QueryTimeout == 0 {
		o.QueryTimeout = 10 * time.Second
	}
	return o
}

// Client is one QMP session. It is pull-based: the caller reads events with
// Next, so a slow consumer simply stops reading the socket and QEMU queues
// (back-pressure instead of an unbounded buffer). A Client is not safe for
// concurrent use, except QueryAsync, which may run beside Next (a poller
// asks for job progress while the reader waits for events).
type Client struct {
	addr     Addr
	opts     Options
	conn     net.Conn
	fr       *decode.Framer
	greeting Greeting
	mu       sync.Mutex // guards nextID, waiting and writes to conn
	nextID   int
	pending  []*decode.Event    // events that arrived while waiting for a reply
	peeked   *decode.Event      // the event More found buffered, before pending
	pendingB int                // their size in bytes
	waiting  map[int]asyncQuery // QueryAsync replies still to come, by id
	broken   error              // what ended the stream during a query, for Next
	label    string
	name     string // the -name VMName learnt (identity.go)
	stop     func() bool
	enabled  []string // the capabilities negotiated (Options.Enable that were offered)
}

// Dial connects to a monitor, reads the greeting and negotiates capabilities.
// Cancelling ctx closes the connection, which ends a blocked Next.
func Dial(ctx context.Context, addr Addr, opts Options) (*Client, error) {
	opts = opts.withDefaults()
	d := net.Dialer{Timeout: opts.DialTimeout, Deadline: opts.Deadline}
	dial := func(ctx context.Context, a Addr) (net.Conn, error) { return d.DialContext(ctx, a.Network, a.Address) }
	if opts.Dial != nil {
		dial = opts.Dial
	}
	nc, err := dial(ctx, addr)
	if err != nil {
		var ne net.Error
		if !opts.Deadline.IsZero() && !time.Now().Before(opts.Deadline) && errors.As(err, &ne) && ne.Timeout() {
			return nil, &Error{Addr: addr, Err: fmt.Errorf("connecting: %w", ErrDeadline)}
		}
		return nil, &Error{Addr: addr, Err: dialReason(err, addr)}
	}
	c, err := NewClient(ctx, nc, addr, opts)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

// NewClient runs the handshake on an established connection. The listen
// command uses it for connections that QEMU opened to us.
func NewClient(ctx context.Context, nc net.Conn, addr Addr, opts Options) (*Client, error) {
	opts = opts.withDefaults()
	c := &Client{addr: addr, opts: opts, conn: nc, fr: decode.NewFramer(nc), label: addr.DefaultLabel()}
	if opts.MaxMessage > 0 {
		c.fr.Max = opts.MaxMessage
	}
	c.stop = context.AfterFunc(ctx, func() { nc.Close() })
	if err := c.handshake(); err != nil {
		c.stop()
		return nil, &Error{Addr: addr, Err: err}
	}
	return c, nil
}

// until is when a wait of up to d must end: d from now, or the Deadline
// when that is sooner (capped).
func (c *Client) until(d time.Duration) (t time.Time, capped bool) {
	t = time.Now().Add(d)
	if dl := c.opts.Deadline; !dl.IsZero() && dl.Before(t) {
		return dl, true
	}
	return t, false
}

// timedOut says whether err is a read that hit its deadline.
func timedOut(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (c *Client) handshake() error {
	dl, capped := c.until(c.opts.GreetingTimeout)
	c.conn.SetReadDeadline(dl)
	raw, err := c.fr.Next()
	if err != nil {
		if capped && timedOut(err) {
			return fmt.Errorf("waiting for the greeting: %w", ErrDeadline)
		}
		return c.greetingReason(err)
	}
	m, err := decode.ScanMessage(raw)
	if err != nil || m.Kind != decode.MsgGreeting {
		return &NotQMPError{Got: clip(raw)}
	}
	if c.greeting, err = parseGreeting(m.QMP); err != nil {
		return &NotQMPError{Got: clip(raw)}
	}
	dl, capped = c.until(c.opts.GreetingTimeout)
	c.conn.SetReadDeadline(dl)
	var args any
	for _, want := range c.opts.Enable {
		for _, offered := range c.greeting.Capabilities {
			if want == offered {
				c.enabled = append(c.enabled, want)
			}
		}
	}
	if len(c.enabled) > 0 {
		args = map[string][]string{"enable": c.enabled}
	}
	if _, err := c.query("qmp_capabilities", args); err != nil {
		if capped && timedOut(err) {
			return fmt.Errorf("waiting for the qmp_capabilities reply: %w", ErrDeadline)
		}
		if timedOut(err) {
			return &CapabilitiesTimeoutError{After: c.opts.GreetingTimeout}
		}
		return err
	}
	c.conn.SetReadDeadline(time.Time{})
	return nil
}

// greetingReason turns a failed first read into the explanation a user needs.
func (c *Client) greetingReason(err error) error {
	var ne net.Error
	var ge *decode.GarbageError
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return &GreetingTimeoutError{After: c.opts.GreetingTimeout}
	case errors.As(err, &ge):
		text := strings.TrimSpace(string(ge.Text))
		if strings.HasPrefix(text, "QEMU") && strings.Contains(text, "monitor") {
			return &HMPError{Banner: text}
		}
		return &NotQMPError{Got: text}
	case errors.Is(err, io.EOF) || isReset(err):
		return ErrNoGreeting
	}
	return err
}

// Enabled are the capabilities negotiated with the monitor.
func (c *Client) Enabled() []string { return c.enabled }

// Detach hands the negotiated session over to a caller that speaks QMP
// itself (the proxy): the connection and the framer holding what was
// already read. The Client must not be used afterwards; closing the
// connection is the caller's.
func (c *Client) Detach() (net.Conn, *decode.Framer) {
	c.stop()
	return c.conn, c.fr
}

// Addr is the address this client dialled.
func (c *Client) Addr() Addr { return c.addr }

// Greeting is what QEMU said on connect.
func (c *Client) Greeting() Greeting { return c.greeting }

// Query sends a read-only query and returns the raw JSON of its "return".
// Events that arrive meanwhile are kept, in order, for Next.
func (c *Client) Query(cmd string, args any) ([]byte, error) {
	dl, capped := c.until(c.opts.QueryTimeout)
	c.conn.SetReadDeadline(dl)
	defer c.conn.SetReadDeadline(time.Time{})
	ret, err := c.query(cmd, args)
	if err != nil {
		switch {
		case capped && timedOut(err):
			err = fmt.Errorf("waiting for the %s reply: %w", cmd, ErrDeadline)
		case timedOut(err):
			err = errors.New(cmd + ": no reply within " + c.opts.QueryTimeout.String())
		}
		return nil, &Error{Addr: c.addr, Err: err}
	}
	return ret, nil
}

func (c *Client) query(cmd string, args any) ([]byte, error) {
	id, err := c.send(cmd, args)
	if err != nil {
		return nil, err
	}
	for {
		m, err := c.fr.NextMessage()
		if me := refused(err); me != nil {
			c.broken = &ProtocolError{Err: me.Err, Raw: clip(me.Raw)}
			return nil, c.broken
		}
		if err != nil {
			err = c.readReason(err)
			var ne net.Error
			if !(errors.As(err, &ne) && ne.Timeout()) {
				c.broken = err
			}
			return nil, err
		}
		switch {
		case m.Kind == decode.MsgEvent:
			if len(c.pending) >= maxPending {
				c.broken = fmt.Errorf("more than %d events while waiting for the %s reply", maxPending, cmd)
				return nil, c.broken
			}
			if c.pendingB+len(m.Raw) > maxPendingBytes {
				c.broken = fmt.Errorf("more than %d MB of events while waiting for the %s reply (the monitor floods events and does not answer)",
					maxPendingBytes>>20, cmd)
				return nil, c.broken
			}
			c.pendingB += len(m.Raw)
			c.pending = append(c.pending, c.event(&m))
		case c.answer(&m):
		case m.Kind == decode.MsgReturn && m.IDIs(id):
			return append([]byte(nil), m.Return...), nil
		case m.Kind == decode.MsgError && m.IDIs(id):
			return nil, &CommandError{Command: cmd, Class: m.ErrClass, Desc: m.ErrDesc}
		}
		// Anything else is a reply to nobody we know: skip it.
	}
}

// allowed is the one gate between qmpwatch and a monitor: nothing that can
// change a VM is ever sent, whatever a caller asks.
func allowed(cmd string) bool { return ReadOnly(cmd) }

// ReadOnly says whether cmd is on qmpwatch's read allowlist, the one list
// of what qmpwatch sends: proxy --read-only relays only these.
func ReadOnly(cmd string) bool {
	return cmd == "qmp_capabilities" || strings.HasPrefix(cmd, "query-")
}

func (c *Client) send(cmd string, args any) (int, error) {
	if !allowed(cmd) {
		return 0, &ReadOnlyError{Command: cmd}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sendLocked(cmd, args)
}

func (c *Client) sendLocked(cmd string, args any) (int, error) {
	c.nextID++
	msg := struct {
		Execute string `json:"execute"`
		Args    any    `json:"arguments,omitempty"`
		ID      int    `json:"id"`
	}{cmd, args, c.nextID}
	b, err := json.Marshal(msg)
	if err != nil {
		return 0, err
	}
	if _, err := c.conn.Write(append(b, '\n')); err != nil {
		return 0, c.readReason(err)
	}
	return c.nextID, nil
}

// SetLabel sets the VM label that events are stamped with.
func (c *Client) SetLabel(label string) { c.label = label }

// Label is the VM label events carry.
func (c *Client) Label() string { return c.label }

// Next returns the next event. It returns an error wrapping ErrClosed when
// QEMU ends the session, and ctx's error when the context was cancelled.
func (c *Client) Next(ctx context.Context) (*decode.Event, error) {
	if ev := c.peeked; ev != nil {
		c.peeked = nil
		ev.VM = c.label
		return ev, nil
	}
	if len(c.pending) == 0 && c.broken != nil {
		// A query met the end or a broken stream: say so after the events
		// that came before it.
		return nil, &Error{Addr: c.addr, Err: c.broken}
	}
	if len(c.pending) > 0 {
		ev := c.pending[0]
		// The array must not keep events already handed out alive (up to
		// maxPending of them, decoded data and all) while it is reused.
		c.pending[0] = nil
		c.pending = c.pending[1:]
		c.pendingB -= len(ev.Raw)
		if len(c.pending) == 0 {
			c.pending = nil
		}
		// It arrived during a query, perhaps before SetLabel: label it now.
		ev.VM = c.label
		return ev, nil
	}
	for {
		m, err := c.fr.NextMessage()
		if err != nil {
			if me := refused(err); me != nil {
				return nil, &Error{Addr: c.addr, Err: &ProtocolError{Err: me.Err, Raw: clip(me.Raw)}}
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, &Error{Addr: c.addr, Err: c.readReason(err)}
		}
		if m.Kind == decode.MsgEvent {
			return c.event(&m), nil
		}
		c.answer(&m)
	}
}

// More reports whether Next can return at once, without waiting for the
// socket: an event, or the error that ends the stream, is already read.
// Replies it finds buffered on the way are handed to their QueryAsync.
// A reader that hands events on in batches asks it before each further
// Next, and hands its batch on when it says no, so no event ever waits
// in a batch for more data to arrive.
func (c *Client) More() bool {
	if c.peeked != nil || len(c.pending) > 0 || c.broken != nil {
		return true
	}
	for c.fr.Ready() {
		m, err := c.fr.NextMessage()
		if me := refused(err); me != nil {
			c.broken = &ProtocolError{Err: me.Err, Raw: clip(me.Raw)}
			return true
		}
		if err != nil {
			c.broken = c.readReason(err)
			return true
		}
		if m.Kind == decode.MsgEvent {
			c.peeked = c.event(&m)
			return true
		}
		c.answer(&m)
	}
	return false
}

type asyncQuery struct {
	cmd  string
	done func(ret []byte, err error)
}

// QueryAsync sends a read-only query without waiting for its reply: done
// is called from within a later Next or Query when the reply arrives, and
// never if the session ends first. Watch uses it for the 200 KB schema, so
// that a monitor that is slow to answer never delays the first event. It is
// safe to call from another goroutine while Next runs: done then runs on
// Next's goroutine.
func (c *Client) QueryAsync(cmd string, args any, done func(ret []byte, err error)) error {
	if !allowed(cmd) {
		return &Error{Addr: c.addr, Err: &ReadOnlyError{Command: cmd}}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// Registered before the write: the reply may come before it returns.
	if c.waiting == nil {
		c.waiting = map[int]asyncQuery{}
	}
	c.waiting[c.nextID+1] = asyncQuery{cmd: cmd, done: done}
	if _, err := c.sendLocked(cmd, args); err != nil {
		delete(c.waiting, c.nextID)
		return &Error{Addr: c.addr, Err: err}
	}
	return nil
}

// answer hands a reply to the QueryAsync that waits for it.
func (c *Client) answer(m *decode.Message) bool {
	if m.Kind != decode.MsgReturn && m.Kind != decode.MsgError {
		return false
	}
	id, err := strconv.Atoi(string(m.ID))
	c.mu.Lock()
	q, ok := c.waiting[id]
	if ok {
		delete(c.waiting, id)
	}
	c.mu.Unlock()
	if err != nil || !ok {
		return false
	}
	if m.Kind == decode.MsgError {
		q.done(nil, &Error{Addr: c.addr, Err: &CommandError{Command: q.cmd, Class: m.ErrClass, Desc: m.ErrDesc}})
	} else {
		q.done(append([]byte(nil), m.Return...), nil)
	}
	return true
}

// event copies the message out of the framer's buffer, which is reused.
// A "vm" member the monitor sent is dropped: on a live connection the label
// is qmpwatch's alone (the address, query-name or --label), so a monitor
// cannot make its events pass for another VM's.
func (c *Client) event(m *decode.Message) *decode.Event {
	if m.HasVM {
		if sm, err := decode.ScanMessage(m.WithoutVM()); err == nil {
			return decode.NewEvent(&sm, c.label)
		}
	}
	cp := m.MovedTo(append([]byte(nil), m.Raw...))
	return decode.NewEvent(&cp, c.label)
}

// refused is the framed message the framer could not scan, if err is one.
func refused(err error) *decode.MessageError {
	var me *decode.MessageError
	if errors.As(err, &me) {
		return me
	}
	return nil
}

// Close ends the session.
func (c *Client) Close() error {
	c.stop()
	return c.conn.Close()
}

// readReason maps the ways a connection ends onto ErrClosed, and framing
// failures onto errors that say what arrived.
func (c *Client) readReason(err error) error {
	var ge *decode.GarbageError
	var tl *decode.TooLargeError
	switch {
	case errors.Is(err, io.EOF) || isReset(err) || errors.Is(err, net.ErrClosed):
		return ErrClosed
	case errors.Is(err, decode.ErrTruncated):
		return &TruncatedError{Lost: len(c.fr.Buffered())}
	case errors.As(err, &ge):
		return &ProtocolError{Err: errors.New("garbage in the stream"), Raw: string(ge.Text)}
	case errors.As(err, &tl):
		return &ProtocolError{Err: tl}
	}
	return err
}

func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// dialReason keeps the part of a dial error a user can act on.
func dialReason(err error, addr Addr) error {
	var oe *net.OpError
	if errors.As(err, &oe) {
		var se *os.SyscallError
		if errors.As(oe.Err, &se) {
			switch se.Err {
			case syscall.ENOENT:
				return noSocket(addr)
			case syscall.EACCES:
				return errors.New("permission denied (run as the VM's user or fix the socket's mode)")
			case syscall.ECONNREFUSED:
				// Linux says ECONNREFUSED for a file that is no socket at all.
				if what := notSocket(addr); what != "" {
					return errors.New("not a socket (it is " + what + ")")
				}
				return ErrRefused
			case syscall.ENOTSOCK:
				return errors.New("not a socket")
			case syscall.EAGAIN:
				return &BusyError{}
			case syscall.EMFILE, syscall.ENFILE:
				return NewFDLimitError(se.Err.(syscall.Errno))
			}
			return se.Err
		}
		if oe.Timeout() {
			return errors.New("connect timed out")
		}
		return oe.Err
	}
	return err
}

// notSocket names what a unix address points at when that is not a socket
// ("a regular file", "a folder", "a device"), or "" when it is a socket or
// cannot be looked at.
func notSocket(addr Addr) string {
	if addr.Network != "unix" {
		return ""
	}
	fi, err := os.Stat(addr.Address)
	if err != nil {
		return ""
	}
	switch m := fi.Mode(); {
	case m&os.ModeSocket != 0:
		return ""
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a folder"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	}
	return "not a socket file"
}

// ProtocolError means the monitor sent something that is not valid QMP.
type ProtocolError struct {
	Err error
	Raw string
}

func (e *ProtocolError) Error() string {
	if e.Raw == "" {
		return "protocol error: " + e.Err.Error()
	}
	return "protocol error: " + e.Err.Error() + ": " + strconv.Quote(e.Raw)
}

func (e *ProtocolError) Unwrap() error { return e.Err }

func clip(b []byte) string {
	if len(b) > 120 {
		return string(b[:120]) + "..."
	}
	return string(b)
}
