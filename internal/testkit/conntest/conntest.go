// Package conntest is a scripted fake QMP monitor for tests: a real unix (or
// TCP) socket whose peer follows a script, and which records every command a
// client sends, so tests can prove what reached the wire.
package conntest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// Greeting is a QEMU 7.2 greeting as real QEMU sends it.
const Greeting = `{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7"}, "capabilities": ["oob"]}}`

// Server is a fake monitor serving one scripted session per connection.
type Server struct {
	Addr    string // the address to dial: a socket path, or tcp:HOST:PORT
	ln      net.Listener
	mu      sync.Mutex
	cmds    []string // every "execute" received, in order
	errs    []error
	wg      sync.WaitGroup
	timeout time.Duration
}

// Script drives one accepted connection.
type Script func(p *Peer) error

// NewServer listens on a unix socket in a temp dir and runs script for each
// connection. Script errors fail the test at cleanup, from the test goroutine.
func NewServer(t testing.TB, script Script) *Server {
	t.Helper()
	dir, err := os.MkdirTemp("", "qmpfake")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "vm1.qmp")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, ln, path, script)
}

// NewTCPServer is NewServer on a loopback TCP port (for connection resets).
func NewTCPServer(t testing.TB, script Script) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, ln, "tcp:"+ln.Addr().String(), script)
}

func serve(t testing.TB, ln net.Listener, addr string, script Script) *Server {
	s := &Server{Addr: addr, ln: ln, timeout: 10 * time.Second}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				p := &Peer{s: s, c: c, fr: decode.NewFramer(c)}
				// A client that hung up early is the client's business: the
				// test checks what it saw. Anything else is a broken script.
				if err := script(p); err != nil && !hungUp(err) {
					s.mu.Lock()
					s.errs = append(s.errs, err)
					s.mu.Unlock()
				}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
		for _, err := range s.Errors() {
			t.Errorf("fake monitor: %v", err)
		}
	})
	return s
}

// Commands returns every command name clients sent, in order.
func (s *Server) Commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.cmds...)
}

// Errors returns the script failures so far.
func (s *Server) Errors() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.errs...)
}

// Peer is the monitor's side of one connection.
type Peer struct {
	s  *Server
	c  net.Conn
	fr *decode.Framer
}

// Conn is the raw connection, for scripts that misbehave on purpose.
func (p *Peer) Conn() net.Conn { return p.c }

// Send writes raw text as is.
func (p *Peer) Send(text string) error {
	_, err := p.c.Write([]byte(text))
	return err
}

// SendLine writes one message followed by CRLF, as QEMU does.
func (p *Peer) SendLine(msg string) error { return p.Send(msg + "\r\n") }

// Command is one command received from the client.
type Command struct {
	Execute string
	ID      json.RawMessage
	Args    json.RawMessage
}

// Read waits for the client's next command.
func (p *Peer) Read() (Command, error) {
	p.c.SetReadDeadline(time.Now().Add(p.s.timeout))
	raw, err := p.fr.Next()
	if err != nil {
		return Command{}, fmt.Errorf("reading a command: %w", err)
	}
	var c struct {
		Execute string          `json:"execute"`
		ID      json.RawMessage `json:"id"`
		Args    json.RawMessage `json:"arguments"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return Command{}, fmt.Errorf("bad command %q: %w", raw, err)
	}
	p.s.mu.Lock()
	p.s.cmds = append(p.s.cmds, c.Execute)
	p.s.mu.Unlock()
	return Command{Execute: c.Execute, ID: c.ID, Args: c.Args}, nil
}

// Expect reads a command and checks its name.
func (p *Peer) Expect(execute string) (Command, error) {
	c, err := p.Read()
	if err == nil && c.Execute != execute {
		err = fmt.Errorf("got command %q, want %q", c.Execute, execute)
	}
	return c, err
}

// Reply answers a command with {"return": ret}.
func (p *Peer) Reply(c Command, ret string) error {
	msg := `{"return": ` + ret
	if c.ID != nil {
		msg += `, "id": ` + string(c.ID)
	}
	return p.SendLine(msg + "}")
}

// Handshake greets, accepts qmp_capabilities and answers query-name with
// name ("" answers {} as QEMU does for a VM without -name).
func (p *Peer) Handshake(name string) error {
	if err := p.Greet(); err != nil {
		return err
	}
	c, err := p.Expect("query-name")
	if err != nil {
		return err
	}
	ret := "{}"
	if name != "" {
		ret = `{"name": "` + name + `"}`
	}
	return p.Reply(c, ret)
}

// HandshakeStatus is Handshake, then the answer to the query-status that
// watch and the trackers send at connect: status as QEMU words it.
func (p *Peer) HandshakeStatus(name, status string) error {
	if err := p.Handshake(name); err != nil {
		return err
	}
	c, err := p.Expect("query-status")
	if err != nil {
		return err
	}
	running := "false"
	if status == "running" {
		running = "true"
	}
	return p.Reply(c, `{"status": "`+status+`", "singlestep": false, "running": `+running+`}`)
}

// Event sends an event with a fixed timestamp counter.
func (p *Peer) Event(name, data string) error {
	msg := `{"timestamp": {"seconds": 1700000000, "microseconds": 1}, "event": "` + name + `"`
	if data != "" {
		msg += `, "data": ` + data
	}
	return p.SendLine(msg + "}")
}

// WaitClosed blocks until the client hangs up (or the timeout passes), so
// a script does not close the socket before the client read everything.
func (p *Peer) WaitClosed() {
	p.c.SetReadDeadline(time.Now().Add(p.s.timeout))
	buf := make([]byte, 512)
	for {
		if _, err := p.c.Read(buf); err != nil {
			return
		}
	}
}

func hungUp(err error) bool {
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed)
}

// Running is query-status's answer for a running VM.
const Running = `{"status": "running", "singlestep": false, "running": true}`

// Answer is how a fake monitor answers one command.
type Answer func(p *Peer, c Command) error

// Return answers {"return": ret}.
func Return(ret string) Answer {
	return func(p *Peer, c Command) error { return p.Reply(c, ret) }
}

// NotFound answers as QEMU does for a command it does not have.
func NotFound(p *Peer, c Command) error {
	msg := `{"error": {"class": "CommandNotFound", "desc": "The command ` + c.Execute + ` has not been found"}`
	if c.ID != nil {
		msg += `, "id": ` + string(c.ID)
	}
	return p.SendLine(msg + "}")
}

// Replies is a monitor's reply table: a command's name → its answer. The
// key "*" answers every command not in the table; without it, such a
// command is not found, as in QEMU.
type Replies map[string]Answer

// Done, returned by an Answer, ends Serve (with nil): the script goes on
// after the command that answer was for.
var Done = errors.New("done")

// Silent answers nothing: a monitor that leaves a command waiting.
func Silent(*Peer, Command) error { return nil }

// Serve answers the client's commands from the table, as QEMU would, until
// the client hangs up or an answer returns Done (nil), or an answer fails.
func (p *Peer) Serve(r Replies) error {
	for {
		c, err := p.Read()
		if err != nil {
			return nil // the client hung up
		}
		a, ok := r[c.Execute]
		if !ok {
			if a, ok = r["*"]; !ok {
				a = NotFound
			}
		}
		if err := a(p, c); err != nil {
			if errors.Is(err, Done) || hungUp(err) {
				return nil
			}
			return err
		}
	}
}
