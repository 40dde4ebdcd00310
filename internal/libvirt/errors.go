package libvirt

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	golibvirt "github.com/digitalocean/go-libvirt"
)

// dialError turns a failed dial into one line that says what to do.
func dialError(u URI, address string, err error) error {
	switch {
	case errors.Is(err, syscall.ENOENT) && u.url.Path == "/session":
		return fmt.Errorf("%s: libvirt socket %s is missing: no session libvirtd runs for this user (virsh -c qemu:///session starts one); "+
			"the system's domains are qemu:///system, as root or a member of the libvirt group", u, address)
	case errors.Is(err, syscall.ENOENT):
		return fmt.Errorf("%s: libvirt socket %s is missing: is libvirtd running?", u, address)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("%s: libvirtd is not running (nothing answers on %s)", u, address)
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return fmt.Errorf("%s: permission denied on %s: %s", u, address, accessHint)
	}
	return fmt.Errorf("%s: %w", u, err)
}

const accessHint = "run qmpwatch as root or as a member of the libvirt group, or point it at a socket it can write (qemu+unix:///system?socket=PATH)"

// callError says which call failed; read-only access gets its own line,
// because subscribing to QEMU monitor events needs a read-write connection.
func callError(u URI, what string, err error) error {
	var le golibvirt.Error
	msg := err.Error()
	if errors.As(err, &le) {
		msg = le.Message
	}
	if strings.Contains(msg, "read only access prevents") || strings.Contains(msg, "read-only") {
		return fmt.Errorf("%s: libvirt gave only read-only access, and QEMU monitor events need a read-write connection: %s", u, accessHint)
	}
	if strings.Contains(msg, "system bus") {
		// libvirtd asks polkit, over the system bus, whether a user who is
		// not root may use qemu:///system.
		return fmt.Errorf("%s: libvirtd could not check this user's access (%s): run as root or as a member of the libvirt group, "+
			"or watch this user's own domains with qemu:///session", u, msg)
	}
	if strings.Contains(msg, "authentication") || strings.Contains(msg, "access denied") {
		return fmt.Errorf("%s: %s: %s", u, msg, accessHint)
	}
	return fmt.Errorf("%s: %s: %s", u, what, msg)
}
