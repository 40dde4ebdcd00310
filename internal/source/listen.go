package source

import (
	"errors"
	"net"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/conn"
)

// Listen adds a source that accepts the connections QEMU opens to qmpwatch
// (-chardev socket,id=m,path=P,reconnect=5 -mon chardev=m,mode=control) and
// streams each VM's events, named by query-name. A VM that connects again
// after going away is reported as Reconnected, with the gap. The listener is
// closed when the Merge's context ends.
func (m *Merge) Listen(ln net.Listener) {
	stop := make(chan struct{})
	go func() {
		select {
		case <-m.ctx.Done():
		case <-stop:
		}
		ln.Close()
	}()
	m.spawn(func() {
		defer close(stop)
		var n atomic.Int64
		for {
			nc, err := ln.Accept()
			if err != nil {
				if m.ctx.Err() != nil {
					return
				}
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
					// Out of file descriptors: wait, do not spin.
					m.report(Status{Kind: Unreachable, Addr: ln.Addr().String(), Err: err, Failure: true, Retrying: true, At: time.Now()})
					if !m.sleep(time.Second) {
						return
					}
					continue
				}
				m.report(Status{Kind: Unreachable, Addr: ln.Addr().String(), Err: err, Failure: true, At: time.Now()})
				m.count(true)
				return
			}
			id := n.Add(1)
			m.spawn(func() { m.accepted(nc, ln.Addr(), id) })
		}
	})
}

// accepted runs the handshake on a connection QEMU opened, then streams it.
func (m *Merge) accepted(nc net.Conn, local net.Addr, id int64) {
	addr, fallback := peerAddr(nc, local, id)
	c, err := conn.NewClient(m.ctx, nc, addr, m.o.Conn)
	if err != nil {
		nc.Close()
		if m.ctx.Err() == nil {
			m.report(Status{Kind: Unreachable, Addr: addr.String(), Err: err, Failure: true, At: time.Now()})
		}
		return
	}
	// A failed query-name is treated as Open treats it: the VM keeps its
	// fallback label, and Next reports a broken connection.
	name, _ := c.VMName()
	label := name
	if label == "" {
		label = fallback
	}
	c.SetLabel(label)
	note, err := m.attach(c)
	if err != nil {
		c.Close()
		if m.ctx.Err() == nil {
			m.report(Status{Kind: Unreachable, Addr: addr.String(), Err: err, Failure: true, At: time.Now()})
		}
		return
	}
	err = m.session(c, name, note, "QEMU connected again")
	c.Close()
	m.ended(c, err, false)
}

// peerAddr is the address an accepted connection is known by, and the label
// of a VM without -name: the peer's process id on a unix socket (QEMU's
// pid), its address on TCP.
func peerAddr(nc net.Conn, local net.Addr, id int64) (conn.Addr, string) {
	switch c := nc.(type) {
	case *net.TCPConn:
		return conn.Addr{Network: "tcp", Address: c.RemoteAddr().String()}, c.RemoteAddr().String()
	case *net.UnixConn:
		addr := conn.Addr{Network: "unix", Address: local.String()}
		if raw, err := c.SyscallConn(); err == nil {
			var cred *syscall.Ucred
			raw.Control(func(fd uintptr) {
				cred, _ = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
			})
			if cred != nil && cred.Pid > 0 {
				return addr, "pid" + strconv.Itoa(int(cred.Pid))
			}
		}
		return addr, "conn" + strconv.FormatInt(id, 10)
	}
	return conn.Addr{Network: "unix", Address: local.String()}, "conn" + strconv.FormatInt(id, 10)
}
