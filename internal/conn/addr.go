// Package conn talks to QEMU monitors: it dials unix or TCP sockets, performs
// the QMP handshake, asks read-only queries and reads events. It prints
// nothing; every failure comes back as an error that names the address.
package conn

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"

	"github.com/qmpwatch/qmpwatch/internal/exitcode"
)

// Addr is a monitor address: a unix socket path or a TCP host:port.
type Addr struct {
	Network string // "unix" or "tcp"
	Address string // the path, or host:port
	// Literal: the path was given as unix:PATH, so it is taken as is, never
	// as a glob pattern (a socket may be named vm[1].qmp).
	Literal bool
}

// ParseAddr accepts /path, unix:/path, tcp:HOST:PORT, HOST:PORT and [V6]:PORT.
// A bare string is a path unless it is clearly host:port, so that a socket
// named "vm1.qmp" in the current folder just works.
func ParseAddr(s string) (Addr, error) {
	a, err := parseAddr(s)
	return a, exitcode.With(exitcode.Usage, err) // a bad address is a usage error
}

func parseAddr(s string) (Addr, error) {
	switch {
	case s == "":
		return Addr{}, fmt.Errorf("empty monitor address")
	case strings.HasPrefix(s, "unix:"):
		path := strings.TrimPrefix(s, "unix:")
		if path == "" {
			return Addr{}, fmt.Errorf("empty socket path in %q: want unix:PATH", s)
		}
		return Addr{Network: "unix", Address: path, Literal: true}, nil
	case strings.HasPrefix(s, "tcp:"):
		hp := strings.TrimPrefix(s, "tcp:")
		if _, _, err := net.SplitHostPort(hp); err != nil {
			return Addr{}, fmt.Errorf("bad TCP address %q: want tcp:HOST:PORT", s)
		}
		return Addr{Network: "tcp", Address: hp}, nil
	case strings.ContainsRune(s, '/'):
		return Addr{Network: "unix", Address: s}, nil
	}
	if host, port, err := net.SplitHostPort(s); err == nil && isPort(port) && (host == "" || !strings.ContainsAny(host, "/")) {
		return Addr{Network: "tcp", Address: s}, nil
	}
	return Addr{Network: "unix", Address: s}, nil
}

func isPort(p string) bool {
	if p == "" || len(p) > 5 {
		return false
	}
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// IsPattern reports whether the address is a glob pattern for qmpwatch to
// expand: a unix path with *, ? or [ that was not given as unix:PATH.
func (a Addr) IsPattern() bool {
	return a.Network == "unix" && !a.Literal && strings.ContainsAny(a.Address, "*?[")
}

// String is the address as a user would type it.
func (a Addr) String() string {
	if a.Network == "tcp" {
		return "tcp:" + a.Address
	}
	return a.Address
}

// DefaultLabel names a VM when it has no -name: the socket file's base name
// without extension, or host:port for TCP.
func (a Addr) DefaultLabel() string {
	if a.Network == "tcp" {
		return a.Address
	}
	base := filepath.Base(a.Address)
	if ext := filepath.Ext(base); ext != "" && ext != base {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}
