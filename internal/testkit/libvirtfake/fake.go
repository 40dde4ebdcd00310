// Package libvirtfake is a scripted libvirtd for unit tests: it answers the
// calls qmpwatch makes (auth, open, type, version, domains, state, event
// registration), records every procedure it receives, and sends QEMU
// monitor and lifecycle events on demand. The real libvirtd decides; this
// only makes corner cases cheap to reach.
package libvirtfake

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"path/filepath"
	"sync"
	"testing"
)

// Program numbers of libvirt's remote and QEMU RPC programs.
const (
	ProgramRemote uint32 = 0x20008086
	ProgramQEMU   uint32 = 0x20008087
)

// Proc is one procedure a client called.
type Proc struct{ Program, Number uint32 }

// Domain is a defined domain the fake lists.
type Domain struct {
	Name          string
	ID            int32 // -1: not running
	State, Reason int32
}

// Daemon is a fake libvirtd on a unix socket.
type Daemon struct {
	// Path is the socket; URI connects to it.
	Path, URI string
	// Type is ConnectGetType's answer (QEMU by default).
	Type string

	mu      sync.Mutex
	domains []Domain
	got     []Proc
	conns   []net.Conn
}

// Start listens in t.TempDir() and serves every client until t ends.
func Start(t testing.TB, domains ...Domain) *Daemon {
	d := &Daemon{Path: filepath.Join(t.TempDir(), "libvirt-sock"), Type: "QEMU", domains: domains}
	d.URI = "qemu+unix:///system?socket=" + d.Path
	ln, err := net.Listen("unix", d.Path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ln.Close()
		d.Drop()
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			d.mu.Lock()
			d.conns = append(d.conns, c)
			d.mu.Unlock()
			go d.serve(c)
		}
	}()
	return d
}

// SetDomains replaces the defined domains.
func (d *Daemon) SetDomains(domains ...Domain) {
	d.mu.Lock()
	d.domains = domains
	d.mu.Unlock()
}

// Procs returns every procedure received so far, in order.
func (d *Daemon) Procs() []Proc {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Proc(nil), d.got...)
}

// Drop closes every client connection, as a libvirtd restart does.
func (d *Daemon) Drop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range d.conns {
		c.Close()
	}
	d.conns = nil
}

// MonitorEvent sends a QEMU monitor event to every client; data "" means
// the event had none (libvirt's null details).
func (d *Daemon) MonitorEvent(domain, name string, sec uint64, usec uint32, data string) {
	p := (&enc{}).u32(1).dom(domain, 1).str(name).u64(sec).u32(usec)
	if data == "" {
		p.u32(0)
	} else {
		p.u32(1).str(data)
	}
	d.broadcast(ProgramQEMU, 6, p.Bytes())
}

// Lifecycle sends a domain lifecycle event (virDomainEventType, detail).
func (d *Daemon) Lifecycle(domain string, event, detail int32) {
	p := (&enc{}).u32(1).dom(domain, 1).u32(uint32(event)).u32(uint32(detail))
	d.broadcast(ProgramRemote, 318, p.Bytes())
}

// Raw sends a QEMU monitor event packet with the given payload as is.
func (d *Daemon) Raw(payload []byte) { d.broadcast(ProgramQEMU, 6, payload) }

func (d *Daemon) broadcast(program, number uint32, payload []byte) {
	d.mu.Lock()
	conns := append([]net.Conn(nil), d.conns...)
	d.mu.Unlock()
	for _, c := range conns {
		write(c, program, number, 2, 0, payload)
	}
}

var wmu sync.Mutex

func write(c net.Conn, program, number, typ, serial uint32, payload []byte) {
	h := &enc{}
	h.u32(uint32(28 + len(payload))).u32(program).u32(1).u32(number).u32(typ).u32(serial).u32(0)
	h.Write(payload)
	wmu.Lock()
	defer wmu.Unlock()
	c.Write(h.Bytes())
}

func (d *Daemon) serve(c net.Conn) {
	defer c.Close()
	for {
		var lb [4]byte
		if _, err := io.ReadFull(c, lb[:]); err != nil {
			return
		}
		n := binary.BigEndian.Uint32(lb[:])
		if n < 28 || n > 1<<20 {
			return
		}
		pkt := make([]byte, n-4)
		if _, err := io.ReadFull(c, pkt); err != nil {
			return
		}
		program := binary.BigEndian.Uint32(pkt[0:4])
		number := binary.BigEndian.Uint32(pkt[8:12])
		serial := binary.BigEndian.Uint32(pkt[16:20])
		d.mu.Lock()
		d.got = append(d.got, Proc{program, number})
		typ, domains := d.Type, append([]Domain(nil), d.domains...)
		d.mu.Unlock()
		r := &enc{}
		switch (Proc{program, number}) {
		case Proc{ProgramRemote, 66}: // AuthList: none
			r.u32(1).u32(0)
		case Proc{ProgramRemote, 3}:
			r.str(typ)
		case Proc{ProgramRemote, 4}:
			r.u64(7002000)
		case Proc{ProgramRemote, 273}:
			r.u32(uint32(len(domains)))
			for _, dm := range domains {
				r.dom(dm.Name, dm.ID)
			}
			r.u32(uint32(len(domains)))
		case Proc{ProgramRemote, 212}:
			// The state of the domain asked for: find it by name.
			name := readString(pkt[24:])
			for _, dm := range domains {
				if dm.Name == name {
					r.u32(uint32(dm.State)).u32(uint32(dm.Reason))
				}
			}
		case Proc{ProgramRemote, 316}, Proc{ProgramQEMU, 4}:
			r.u32(1)
		}
		write(c, program, number, 1, serial, r.Bytes())
	}
}

func readString(b []byte) string {
	if len(b) < 4 {
		return ""
	}
	n := binary.BigEndian.Uint32(b)
	if int(n) > len(b)-4 {
		return ""
	}
	return string(b[4 : 4+n])
}

type enc struct{ bytes.Buffer }

func (e *enc) u32(v uint32) *enc { binary.Write(&e.Buffer, binary.BigEndian, v); return e }
func (e *enc) u64(v uint64) *enc { binary.Write(&e.Buffer, binary.BigEndian, v); return e }
func (e *enc) str(s string) *enc {
	e.u32(uint32(len(s)))
	e.WriteString(s)
	e.Write(make([]byte, (4-len(s)%4)%4))
	return e
}
func (e *enc) dom(name string, id int32) *enc {
	e.str(name)
	e.Write(make([]byte, 16))
	return e.u32(uint32(id))
}
