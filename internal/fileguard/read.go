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
	"syscall"
)

// OpenRead opens path for reading. A FIFO's open waits until a writer opens
// it, in the kernel, where SIGINT and SIGTERM cannot reach it (Go restarts
// the call); so a FIFO is opened in a goroutine, and the wait ends with ctx.
func OpenRead(ctx context.Context, path string) (*os.File, error) {
	// O_NONBLOCK: the open of a FIFO returns at once, and tells what it is.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		return f, err // Go clears O_NONBLOCK on files it cannot poll
	}
	// A FIFO opened non-blocking reads as ended until a writer comes:
	// open it again, waiting for the writer, but only as long as ctx.
	f.Close()
	return openFIFO(ctx, path)
}

type opened struct {
	f   *os.File
	err error
}

func openFIFO(ctx context.Context, path string) (*os.File, error) {
	ch := make(chan opened, 1)
	go func() {
		f, err := os.Open(path)
		ch <- opened{f, err}
	}()
	select {
	case r := <-ch:
		return r.f, r.err
	case <-ctx.Done():
	}
	// Release the open still waiting: a writer that comes and goes (it
	// cannot block, a reader is there). What the open got is closed.
	if w, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
		w.Close()
	}
	go func() {
		if r := <-ch; r.f != nil {
			r.f.Close()
		}
	}()
	return nil, ctx.Err()
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
