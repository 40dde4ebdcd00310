package source

import (
	"fmt"
	"net"
	"os"
)

// SocketKept returns a health check for a unix listener's socket file: ""
// while the file is the one the listener created, else why QEMU cannot
// connect any more (someone deleted or replaced it: systemd-tmpfiles, a
// second daemon, a hand) and the fix. For another listener, nil.
func SocketKept(ln net.Listener) func() string {
	ul, ok := ln.(*net.UnixListener)
	if !ok {
		return nil
	}
	path := ul.Addr().String()
	made, err := os.Lstat(path)
	if err != nil {
		return nil // an abstract socket, or already gone: nothing to watch
	}
	return func() string {
		now, err := os.Lstat(path)
		switch {
		case err != nil:
			return fmt.Sprintf("%s: the listen socket was deleted; QEMU cannot connect: restart qmpwatch to create it again", path)
		case !os.SameFile(made, now):
			return fmt.Sprintf("%s: the listen socket was replaced by another file; QEMU cannot reach qmpwatch: restart qmpwatch to create it again", path)
		}
		return ""
	}
}
