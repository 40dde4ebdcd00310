package source

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/conn"
)

// WatchDir adds a source that polls dir for unix sockets and dials each one
// that appears. A socket that QEMU recreates (a restarted VM) is dialled
// again; with reconnect, a socket is also redialled while it exists. The
// folder watch runs until the Merge's context ends; an unreadable folder is
// reported once and retried.
func (m *Merge) WatchDir(dir string, poll time.Duration, reconnect bool) {
	m.WatchDirWith(dir, DirOptions{Poll: poll, Reconnect: reconnect})
}

// DirOptions tune a folder watch (WatchDirWith).
type DirOptions struct {
	Poll      time.Duration
	Reconnect bool
	Match     func(name string) bool // the sockets taken, by base name (--dir-glob, --exclude-socket); nil: every socket
	// FollowSymlinks follows every symbolic link to a socket
	// (--dir-follow-symlinks). Without it, a link is followed only when it
	// and its socket have the same owner: anyone who may create files in a
	// watched folder could otherwise plant a link to a monitor they cannot
	// open, and read its VM's events through qmpwatch. A link refused is
	// said once.
	FollowSymlinks bool
}

// WatchDirWith is WatchDir with every option.
func (m *Merge) WatchDirWith(dir string, o DirOptions) {
	m.spawn(func() { m.watchDir(dir, o) })
}

// sockID tells a recreated socket from the old one at the same path. The
// inode alone does not: ext4 hands a VM restarted at the same path the inode
// its old socket freed. The change time (to the nanosecond) is set anew when
// QEMU binds the new socket.
type sockID struct {
	dev, ino            uint64
	ctimeSec, ctimeNsec int64
}

func (m *Merge) watchDir(dir string, o DirOptions) {
	poll, reconnect, match := o.Poll, o.Reconnect, o.Match
	links := linkGuard{follow: o.FollowSymlinks, said: map[string]linkID{}}
	var mu sync.Mutex
	active := map[string]bool{}  // path → a source is running for it
	tried := map[string]sockID{} // path → a socket that failed there: not dialled again
	quiet := map[string]bool{}   // path → a refusal there is no news (reported, or its VM ended)
	ended := map[string]sockID{} // path → the socket whose session last ended cleanly
	// refused: paths that refused once. The first refusal is no news (a
	// QEMU, or any program, between bind and listen); a second one in a
	// row is said, once (a stale file a killed QEMU left).
	refused := map[string]bool{}
	lastErr := ""
	for {
		seen := map[string]bool{}
		entries, err := os.ReadDir(dir)
		var errno syscall.Errno
		if errors.As(err, &errno) && (errno == syscall.EMFILE || errno == syscall.ENFILE) {
			// Out of files: said once, with the sockets' (dial.go).
			err = conn.NewFDLimitError(errno)
			if !m.fdLimitSaid.CompareAndSwap(false, true) {
				lastErr = err.Error()
			}
		}
		if err != nil {
			if err.Error() != lastErr {
				lastErr = err.Error()
				m.report(Status{Kind: Unreachable, Addr: dir, Err: err, Failure: true, Retrying: true, At: time.Now()})
			}
		} else {
			lastErr = ""
		}
		for _, e := range entries {
			path := filepath.Join(dir, e.Name())
			if (match != nil && !match(e.Name())) || !isSocket(e, path) {
				continue
			}
			if err := links.check(e, path); err != nil {
				if err != errSaid {
					m.report(Status{Kind: Unreachable, Addr: path, Err: err, Failure: true, At: time.Now()})
				}
				continue
			}
			id, ok := socketID(path)
			mu.Lock()
			seen[path] = true
			fresh := ok && !active[path]
			if old, failed := tried[path]; failed && old == id {
				fresh = false
			}
			if fresh {
				active[path] = true
				delete(tried, path)
			}
			t := Target{Addr: conn.Addr{Network: "unix", Address: path}, Reconnect: reconnect, WhileExists: true, QuietRefused: quiet[path] || !refused[path]}
			mu.Unlock()
			if !fresh {
				continue
			}
			m.spawn(func() {
				end := m.dial(t)
				mu.Lock()
				defer mu.Unlock()
				delete(active, path)
				if end.connected {
					delete(refused, path)
				}
				again := ended[path] == id
				switch {
				case end.connected && !end.failed && !again:
					// A VM's session ended: whatever socket is at the path
					// now is a new VM's, even one with the same inode and
					// (on a coarse clock) the same ctime. Dial again at the
					// next poll; a refusal then (the stale file a killed
					// QEMU left) is no news.
					ended[path] = id
					quiet[path] = true
				case end.refused && !end.connected:
					// Nothing listened: a stale file, or a QEMU between
					// bind and listen. Dial again at the next poll, and
					// say it at most once, from the second refusal on.
					if refused[path] {
						quiet[path] = true
					}
					refused[path] = true
				default:
					// It answered but failed (not QMP, busy, garbage), or
					// the same socket ended a session twice: said once;
					// not dialled again until another socket takes the path.
					tried[path] = id
					quiet[path] = true
				}
			})
		}
		// quiet is kept when a path's file goes: a restarting QEMU removes
		// the stale file and binds a new one, and a poll may fall between.
		mu.Lock()
		for path := range tried {
			if err == nil && !seen[path] {
				delete(tried, path)
			}
		}
		mu.Unlock()
		if !m.sleep(poll) {
			return
		}
	}
}

func socketID(path string) (sockID, bool) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return sockID{}, false
	}
	return sockID{uint64(st.Dev), uint64(st.Ino), int64(st.Ctim.Sec), int64(st.Ctim.Nsec)}, true
}

// isSocket accepts sockets and symbolic links to sockets.
func isSocket(e os.DirEntry, path string) bool {
	if e.Type()&os.ModeSymlink != 0 {
		fi, err := os.Stat(path)
		return err == nil && fi.Mode()&os.ModeSocket != 0
	}
	return e.Type()&os.ModeSocket != 0
}
