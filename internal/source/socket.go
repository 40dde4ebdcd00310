package source

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/conn"
)

// umaskMu serialises the umask changes of ListenSocket: the umask belongs
// to the whole process.
var umaskMu sync.Mutex

// ListenSocket is the one way qmpwatch listens (listen, simulate, demo). On
// a unix socket, a leftover socket that nobody listens on (a qmpwatch that
// was killed) is replaced; a live one, or a file that is not a socket, is
// not touched. mode, when not zero, is the socket file's permissions, set
// as it is created (through the umask), so no other user can connect in
// between; the file is removed when the listener is closed.
func ListenSocket(addr conn.Addr, mode os.FileMode) (net.Listener, error) {
	if addr.Network == "unix" {
		if fi, err := os.Lstat(addr.Address); err == nil {
			if fi.Mode()&os.ModeSocket == 0 {
				return nil, fmt.Errorf("listen %s: the file exists and is not a socket", addr)
			}
			c, err := net.DialTimeout("unix", addr.Address, time.Second)
			switch {
			case err == nil:
				c.Close()
				return nil, fmt.Errorf("listen %s: another process is listening there", addr)
			case errors.Is(err, syscall.ECONNREFUSED):
				os.Remove(addr.Address)
			}
		}
	}
	ln, err := listen(addr, mode)
	if err != nil {
		var oe *net.OpError
		if errors.As(err, &oe) {
			err = oe.Err
		}
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	if ul, ok := ln.(*net.UnixListener); ok {
		ul.SetUnlinkOnClose(true)
	}
	return ln, nil
}

func listen(addr conn.Addr, mode os.FileMode) (net.Listener, error) {
	if addr.Network != "unix" || mode == 0 {
		return net.Listen(addr.Network, addr.Address)
	}
	umaskMu.Lock()
	old := syscall.Umask(int(0o777 &^ mode.Perm()))
	ln, err := net.Listen(addr.Network, addr.Address)
	syscall.Umask(old)
	umaskMu.Unlock()
	if err != nil {
		return nil, err
	}
	// The umask can only take bits away: a wider mode is set here.
	if err := os.Chmod(addr.Address, mode.Perm()); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}
