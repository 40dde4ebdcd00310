// Package libvirt watches the QEMU monitor events of libvirt's domains
// through libvirt's own RPC protocol (github.com/digitalocean/go-libvirt),
// as `virsh qemu-monitor-event --loop` shows them, plus the domain lifecycle
// events that say when a domain starts or stops. It only reads: every
// procedure it sends passes the allowlist in allow.go, enforced on the wire.
package libvirt

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/qmpwatch/qmpwatch/internal/exitcode"
)

// DefaultURI is what `libvirt` means when LIBVIRT_DEFAULT_URI is not set,
// as for virsh: the system instance for root, the user's own session
// otherwise (a user's qemu:///system needs polkit or the libvirt group, and
// failed with libvirtd's raw "Unable to get system bus connection").
func DefaultURI(euid int) string {
	if euid == 0 {
		return "qemu:///system"
	}
	return "qemu:///session"
}

// ErrNotURI means an argument is not a libvirt URI at all (a socket path).
var ErrNotURI = errors.New("not a libvirt URI")

// URI is a parsed libvirt connection URI for the QEMU driver.
type URI struct {
	url *url.URL
}

// IsURI says whether arg names libvirt rather than a QMP address: the word
// `libvirt`, or an address with a driver scheme (qemu:, qemu+unix:, …).
func IsURI(arg string) bool {
	if arg == "libvirt" {
		return true
	}
	scheme, _, ok := strings.Cut(arg, "://")
	return ok && scheme != "" && !strings.ContainsAny(scheme, "/.:")
}

// ParseURI parses a libvirt URI; `libvirt` means LIBVIRT_DEFAULT_URI, else
// DefaultURI. Only the QEMU driver is accepted, over unix or tcp.
func ParseURI(arg string) (URI, error) {
	u, err := parseURI(arg)
	return u, exitcode.With(exitcode.Usage, err) // a bad URI is a usage error
}

func parseURI(arg string) (URI, error) {
	if arg == "libvirt" {
		arg = os.Getenv("LIBVIRT_DEFAULT_URI")
		if arg == "" {
			arg = DefaultURI(os.Geteuid())
		}
	}
	if !IsURI(arg) {
		return URI{}, fmt.Errorf("%q: %w (want qemu:///system, qemu+unix:///system?socket=PATH or qemu+tcp://HOST/system)", arg, ErrNotURI)
	}
	u, err := url.Parse(arg)
	if err != nil {
		return URI{}, fmt.Errorf("bad libvirt URI %q: %w", arg, err)
	}
	driver, transport, _ := strings.Cut(u.Scheme, "+")
	if driver != "qemu" {
		return URI{}, fmt.Errorf("libvirt URI %s: driver %q is not QEMU: qmpwatch watches QEMU monitors (qemu:///system)", arg, driver)
	}
	switch transport {
	case "", "unix":
		if u.Host != "" && transport == "" {
			return URI{}, fmt.Errorf("libvirt URI %s: TLS transport is not supported; use qemu+tcp://%s%s or qemu+unix", arg, u.Host, u.Path)
		}
	case "tcp":
		if u.Host == "" {
			return URI{}, fmt.Errorf("libvirt URI %s: qemu+tcp needs a host", arg)
		}
	default:
		return URI{}, fmt.Errorf("libvirt URI %s: transport %q is not supported (unix or tcp)", arg, transport)
	}
	if u.Path != "/system" && u.Path != "/session" {
		return URI{}, fmt.Errorf("libvirt URI %s: path must be /system or /session", arg)
	}
	return URI{url: u}, nil
}

// String is the URI as given (after `libvirt` was resolved).
func (u URI) String() string { return u.url.String() }

// Remote is the URI the daemon is asked to open once connected: the
// transport is the client's business.
func (u URI) Remote() string {
	if name := u.url.Query().Get("name"); name != "" {
		return name
	}
	return "qemu://" + u.url.Path
}

// network and address say where to dial.
func (u URI) network() (string, string) {
	_, transport, _ := strings.Cut(u.url.Scheme, "+")
	if transport == "tcp" {
		port := u.url.Port()
		if port == "" {
			port = "16509"
		}
		return "tcp", u.url.Hostname() + ":" + port
	}
	if s := u.url.Query().Get("socket"); s != "" {
		return "unix", s
	}
	if u.url.Path == "/session" {
		dir := os.Getenv("XDG_RUNTIME_DIR")
		if dir == "" {
			dir = fmt.Sprintf("/run/user/%d", os.Getuid())
		}
		return "unix", dir + "/libvirt/libvirt-sock"
	}
	return "unix", "/run/libvirt/libvirt-sock"
}
