package source

import (
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
	m.WatchDirMatching(dir, poll, reconnect, nil)
}

// WatchDirMatching is WatchDir for the sockets whose base name match
// accepts (nil: every socket): --dir-glob and --exclude-socket.
func (m *Merge) WatchDirMatching(dir string, poll time.Duration, reconnect bool, match func(name string) bool) {
	m.spawn(func() { m.watchDir(dir, poll, reconnect, match) })
}

// sockID tells a recreated socket from the old one at the same path.
type sockID struct{ dev, ino uint64 }

func (m *Merge) watchDir(dir string, poll time.Duration, reconnect bool, match func(string) bool) {
	var mu sync.Mutex
	active := map[string]bool{}  // path → a source is running for it
	tried := map[string]sockID{} // path → the socket last dialled there
	lastErr := ""
	for {
		entries, err := os.ReadDir(dir)
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
			id, ok := socketID(path)
			mu.Lock()
			fresh := ok && !active[path] && tried[path] != id
			if fresh {
				active[path] = true
				tried[path] = id
			}
			mu.Unlock()
			if !fresh {
				continue
			}
			t := Target{Addr: conn.Addr{Network: "unix", Address: path}, Reconnect: reconnect, WhileExists: true}
			m.spawn(func() {
				m.dial(t)
				mu.Lock()
				delete(active, path)
				mu.Unlock()
			})
		}
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
	return sockID{uint64(st.Dev), uint64(st.Ino)}, true
}

// isSocket accepts sockets and symbolic links to sockets.
func isSocket(e os.DirEntry, path string) bool {
	if e.Type()&os.ModeSymlink != 0 {
		fi, err := os.Stat(path)
		return err == nil && fi.Mode()&os.ModeSocket != 0
	}
	return e.Type()&os.ModeSocket != 0
}
