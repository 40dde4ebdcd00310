package proxy

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
)

// client is one connection to the proxy.
type client struct {
	p        *Proxy
	s        *session
	nc       net.Conn
	uc       *net.UnixConn // nc, when descriptors can come with commands
	n        int           // its number, for notes
	lossless bool          // qmpwatch's own pipeline: waits rather than drops

	// Touched by the reading goroutine only.
	negotiated bool
	oob        bool
	fds        []int // received and not yet given to a command

	qmu     sync.Mutex
	q       chan []byte  // messages for the writer
	qbytes  atomic.Int64 // their size (the writer takes it down without qmu)
	qclosed bool
	dropped string        // why the proxy disconnected it, if it did
	dead    chan struct{} // closed when the connection is closed
	once    sync.Once

	rmu     sync.Mutex
	replies []*slot // in-band replies due, in the order of the commands
}

// slot is the reply due to one command.
type slot struct {
	c    *client
	id   []byte // the client's own id, nil when it gave none
	oob  bool   // exec-oob: its reply may overtake
	data []byte
	done bool
}

// serve runs one client: greeting, its commands, and the end.
func (p *Proxy) serve(ctx context.Context, nc net.Conn, lossless bool) {
	defer nc.Close()
	s, err := p.current(ctx)
	if err != nil {
		return
	}
	c := &client{p: p, s: s, nc: nc, lossless: lossless, q: make(chan []byte, p.o.QueueLen), dead: make(chan struct{})}
	c.uc, _ = nc.(*net.UnixConn)
	if !s.attach(c) {
		return
	}
	stop := context.AfterFunc(ctx, c.close)
	defer stop()
	if !lossless {
		c.n = int(p.number.Add(1))
		p.note(Note{Kind: ClientConnected, Client: c.n}, 1)
	}
	go c.write()
	c.send(s.greeting)
	c.read()
	s.detach(c)
	c.finish()
	c.close()
	c.closeFDs(c.fds)
	if !lossless {
		n := Note{Kind: ClientLeft, Client: c.n}
		c.qmu.Lock()
		if c.dropped != "" {
			n.Kind, n.Reason = ClientDropped, c.dropped
		}
		c.qmu.Unlock()
		p.note(n, -1)
	}
}

// read takes the client's commands until it hangs up or the session ends.
func (c *client) read() {
	sp := &splitter{max: MaxCommand}
	buf := make([]byte, 64<<10)
	oob := make([]byte, syscall.CmsgSpace(maxFDs*4))
	for {
		n, err := c.recv(buf, oob)
		if n > 0 {
			sp.feed(buf[:n])
			for {
				v, err := sp.next()
				if err != nil {
					c.drop(fmt.Sprintf("it sent a command over %d bytes", MaxCommand))
					return
				}
				if v == nil {
					break
				}
				fds := c.fds
				c.fds = nil
				c.command(v, fds)
			}
		}
		if err != nil {
			return
		}
	}
}

// recv reads bytes and, on a unix socket, the descriptors sent with them,
// which wait for the next command.
func (c *client) recv(buf, oob []byte) (int, error) {
	if c.uc == nil {
		return c.nc.Read(buf)
	}
	n, oobn, _, _, err := c.uc.ReadMsgUnix(buf, oob)
	if oobn > 0 {
		msgs, _ := syscall.ParseSocketControlMessage(oob[:oobn])
		for _, m := range msgs {
			fds, _ := syscall.ParseUnixRights(&m)
			for _, fd := range fds {
				if len(c.fds) < maxFDs {
					c.fds = append(c.fds, fd)
				} else {
					syscall.Close(fd)
				}
			}
		}
	}
	return n, err
}

func (c *client) closeFDs(fds []int) {
	for _, fd := range fds {
		syscall.Close(fd)
	}
}

// send queues messages (each ended with CRLF) for the client. A lossless client makes the
// caller wait; any other is dropped once its queue is full.
func (c *client) send(msg []byte) {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if c.qclosed {
		return
	}
	select {
	case <-c.dead:
		return // it hung up: what was for it is discarded
	default:
	}
	if c.lossless {
		select {
		case c.q <- msg:
		case <-c.dead:
		}
		return
	}
	if int(c.qbytes.Load())+len(msg) > c.p.o.QueueBytes {
		c.dropLocked(fmt.Sprintf("it stopped reading (%d MB queued)", c.p.o.QueueBytes>>20))
		return
	}
	select {
	case c.q <- msg:
		c.qbytes.Add(int64(len(msg)))
	default:
		c.dropLocked(fmt.Sprintf("it stopped reading (%d writes queued)", c.p.o.QueueLen))
	}
}

// dropLocked disconnects a client that cannot keep up.
func (c *client) dropLocked(why string) {
	c.qclosed = true
	c.dropped = why
	close(c.q)
	c.close()
}

func (c *client) drop(why string) {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if !c.qclosed {
		c.dropLocked(why)
	}
}

// finish ends the client's stream once what is queued is written.
func (c *client) finish() {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if !c.qclosed {
		c.qclosed = true
		close(c.q)
	}
}

// close closes the connection (once), which ends read and write.
func (c *client) close() {
	c.once.Do(func() {
		close(c.dead)
		c.nc.Close()
	})
}

// write writes the queue to the client, as much as is queued in one
// write. At the queue's end (the monitor went away) it closes the
// connection: end of stream.
func (c *client) write() {
	var out []byte
	for msg := range c.q {
		out = append(out[:0], msg...)
		size := len(msg)
	more:
		for len(out) < maxBatch {
			select {
			case m, ok := <-c.q:
				if !ok {
					break more
				}
				out = append(out, m...)
				size += len(m)
			default:
				break more
			}
		}
		c.qbytes.Add(-int64(size))
		if _, err := c.nc.Write(out); err != nil {
			break
		}
	}
	c.close()
}
