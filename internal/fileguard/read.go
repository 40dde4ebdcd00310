// Package fileguard opens the files qmpwatch reads and writes by name, so
// that no file can hang a command or hand its events to another user: a
// FIFO is never waited on past the run's context, a record file another user
// planted in a shared folder is refused, and a file that must be read twice
// or followed must be a regular file.
package fileguard

import (
	"context"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// OpenRead opens path for reading. A FIFO's blocking open waits in the
// kernel until a writer comes, where SIGINT and SIGTERM cannot reach it (Go
// restarts the call); so the FIFO is opened non-blocking and kept open (its
// buffer lives as long as one end is open: a writer that comes, writes and
// leaves before we read loses nothing), and we wait in poll, a step at a
// time, until a writer has written or left, or ctx ends.
func OpenRead(ctx context.Context, path string) (*os.File, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFIFO {
		// A regular file (or a device) reads as usual: blocking, as os.Open.
		if err := unix.SetNonblock(fd, false); err != nil {
			unix.Close(fd)
			return nil, &os.PathError{Op: "open", Path: path, Err: err}
		}
		return os.NewFile(uintptr(fd), path), nil
	}
	if err := waitWriter(ctx, fd); err != nil {
		unix.Close(fd)
		return nil, err
	}
	// Non-blocking, so Go's poller waits for later writes; the read that
	// returns 0 once every writer has gone is the end, as for stdin.
	return os.NewFile(uintptr(fd), path), nil
}

// waitWriter waits until the FIFO has data, or a writer came and went
// (Linux reports POLLHUP on a FIFO only after a writer has been there since
// it was opened: before that, reads would say "end" too early).
func waitWriter(ctx context.Context, fd int) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(pfd, 100)
		if err != nil && err != unix.EINTR {
			return err
		}
		if n > 0 && pfd[0].Revents&(unix.POLLIN|unix.POLLHUP|unix.POLLERR) != 0 {
			return nil
		}
	}
}

// NotRegularError means a file that must be a regular file is something
// else, such as a FIFO.
type NotRegularError struct {
	Path string // as given (not escaped); "" when the caller names the file itself
	What string // "a FIFO", "a device", "a socket", "a folder"
	Why  string // what needs a regular file, e.g. "-F follows a file that grows"
}

func (e *NotRegularError) Error() string {
	msg := fmt.Sprintf("%s, not a regular file (%s)", e.What, e.Why)
	if e.Path == "" {
		return msg
	}
	return e.Path + ": " + msg
}

// Regular checks that path is a regular file (following symbolic links),
// for the readers that open it more than once or watch it grow: why says
// what needs it. A file that does not exist passes: opening it says so.
func Regular(path, why string) error {
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().IsRegular() {
		return nil
	}
	return &NotRegularError{Path: path, What: kind(fi.Mode()), Why: why}
}

// kind names a file type that is not a regular file.
func kind(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m.IsDir():
		return "a folder"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}
