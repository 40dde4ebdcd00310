package proxy

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// Takeover is a VM's own monitor path served by the proxy: QEMU's listening
// socket moved aside to a hidden name in the same folder, the proxy's socket
// at the path, and a lock that says a proxy holds it. Both moves are single
// renames, so a tool that connects meanwhile finds one socket or the other,
// never no file.
type Takeover struct {
	Path   string
	Hidden string // QEMU's socket while taken over
	tmp    string // where the proxy's socket is made before it moves in
	lock   *os.File
}

// names are the files beside path that a takeover uses.
func names(path string) (hidden, tmp, lock string) {
	dir, base := filepath.Split(path)
	return filepath.Join(dir, "."+base+".qmpwatch-qemu"), filepath.Join(dir, "."+base+".qmpwatch-new"), filepath.Join(dir, "."+base+".qmpwatch-lock")
}

// Take locks path for a takeover. A path a running proxy holds is refused;
// one a killed proxy left taken over is given back to QEMU first
// (recovered is then true). The caller then dials path (which proves it is
// a live QMP monitor) and calls Move.
func Take(path string) (t *Takeover, recovered bool, err error) {
	hidden, tmp, lockPath := names(path)
	t = &Takeover{Path: path, Hidden: hidden, tmp: tmp}
	if t.lock, err = lock(lockPath); err != nil {
		return nil, false, err
	}
	if _, err := os.Lstat(hidden); err == nil {
		if err := t.giveBack(); err != nil {
			t.unlock()
			return nil, false, err
		}
		recovered = true
	}
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&os.ModeSocket == 0 {
		t.unlock()
		if err != nil {
			return nil, recovered, fmt.Errorf("--takeover %s: %w", path, errors.Unwrap(err))
		}
		return nil, recovered, fmt.Errorf("--takeover %s: not a socket", path)
	}
	return t, recovered, nil
}

// lock takes the lock file beside the path, or says who holds it.
func lock(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, errors.Unwrap(err))
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s is already taken over by a running qmpwatch proxy", filepath.Join(filepath.Dir(path), originalName(path)))
	}
	return f, nil
}

// originalName is the monitor's name from its lock file's.
func originalName(lockPath string) string {
	b := filepath.Base(lockPath)
	return b[1 : len(b)-len(".qmpwatch-lock")]
}

// Move serves the proxy at Path: a socket made at a temporary name with
// the original's mode (and owner, when qmpwatch may set it), QEMU's socket
// linked to the hidden name, and the proxy's renamed over Path.
func (t *Takeover) Move() (net.Listener, error) {
	fi, err := os.Lstat(t.Path)
	if err != nil {
		return nil, fmt.Errorf("--takeover %s: %w", t.Path, errors.Unwrap(err))
	}
	os.Remove(t.tmp)
	ln, err := source.ListenSocket(conn.Addr{Network: "unix", Address: t.tmp}, fi.Mode().Perm())
	if err != nil {
		return nil, err
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false) // the name moves; Release removes what is left
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && (int(st.Uid) != os.Geteuid() || int(st.Gid) != os.Getegid()) {
		if err := os.Lchown(t.tmp, int(st.Uid), int(st.Gid)); err != nil {
			ln.Close()
			os.Remove(t.tmp)
			return nil, fmt.Errorf("--takeover %s: cannot give the proxy's socket the owner of QEMU's: %w", t.Path, errors.Unwrap(err))
		}
	}
	if err := os.Link(t.Path, t.Hidden); err != nil {
		ln.Close()
		os.Remove(t.tmp)
		return nil, fmt.Errorf("--takeover %s: %w", t.Path, errors.Unwrap(err))
	}
	if err := os.Rename(t.tmp, t.Path); err != nil {
		os.Remove(t.Hidden)
		ln.Close()
		os.Remove(t.tmp)
		return nil, fmt.Errorf("--takeover %s: %w", t.Path, errors.Unwrap(err))
	}
	return ln, nil
}

// Release gives Path back (the listener must be closed first) and unlocks.
func (t *Takeover) Release() error {
	defer t.unlock()
	return t.giveBack()
}

// giveBack puts QEMU's socket back at Path when QEMU still listens on it.
// When QEMU is gone, both names go: QEMU removes its path when it exits
// (which, taken over, was the proxy's socket), and a socket nobody
// listens on is no use to anyone.
func (t *Takeover) giveBack() error {
	os.Remove(t.tmp)
	if alive(t.Hidden) {
		if err := os.Rename(t.Hidden, t.Path); err != nil {
			return fmt.Errorf("giving %s back to QEMU: %w", t.Path, errors.Unwrap(err))
		}
		return nil
	}
	os.Remove(t.Hidden)
	if fi, err := os.Lstat(t.Path); err == nil && fi.Mode()&os.ModeSocket != 0 && !alive(t.Path) {
		os.Remove(t.Path) // a killed proxy's, or ours
	}
	return nil
}

// alive says whether something listens on the socket at path.
func alive(path string) bool {
	c, err := net.DialTimeout("unix", path, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func (t *Takeover) unlock() {
	if t.lock != nil {
		os.Remove(t.lock.Name())
		t.lock.Close()
		t.lock = nil
	}
}

// Restore gives back a path that a killed proxy left taken over.
func Restore(path string) error {
	hidden, _, lockPath := names(path)
	f, err := lock(lockPath)
	if err != nil {
		return err
	}
	t := &Takeover{Path: path, Hidden: hidden, lock: f}
	if _, err := os.Lstat(hidden); err != nil {
		t.unlock()
		return fmt.Errorf("--restore %s: not taken over (no %s)", path, filepath.Base(hidden))
	}
	return t.Release()
}
