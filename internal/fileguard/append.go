package fileguard

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Refusal reasons of OpenAppend, for callers that word their own errors.
var (
	// ErrSymlink: the path is a symbolic link (never followed).
	ErrSymlink = errors.New("is a symbolic link; give the file itself (qmpwatch does not follow links for --record)")
	// ErrFIFONoReader: the path is a FIFO that nobody reads.
	ErrFIFONoReader = errors.New("is a FIFO that nobody reads yet; start its reader first")
)

// PlantedError means an existing file in a shared folder (sticky, or
// writable by everyone, like /tmp) is not safe to append to: another user
// owns it, or anyone may write it. That user would read what qmpwatch
// writes, or add lines a later replay would trust.
type PlantedError struct {
	Path  string // as given (not escaped)
	Owner int    // the file's owner uid
	Mode  os.FileMode
	Dir   string // the shared folder
}

func (e *PlantedError) Error() string {
	why := fmt.Sprintf("owned by uid %d", e.Owner)
	if e.Owner == os.Geteuid() || e.Owner == 0 {
		why = fmt.Sprintf("writable by everyone (mode %04o)", e.Mode.Perm())
	}
	return fmt.Sprintf("%s is %s in the shared folder %s: refusing to append to it (remove it, or record elsewhere)", e.Path, why, e.Dir)
}

// OpenAppend opens path for appending, creating it with mode perm. It never
// follows a symbolic link (ErrSymlink), never waits for the reader of a
// FIFO (ErrFIFONoReader: a FIFO with a reader is written as a stream), and
// refuses an existing file that another user could have planted in a shared
// folder (PlantedError).
func OpenAppend(path string, perm os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, perm)
	if err != nil {
		switch {
		case errors.Is(err, syscall.ELOOP) && isSymlink(path):
			return nil, ErrSymlink
		case errors.Is(err, syscall.ENXIO) && isFIFO(path):
			return nil, ErrFIFONoReader
		}
		return nil, err
	}
	// Judged on the file opened, not on its name: the name may have changed
	// hands between a check and the open.
	if err := checkOwner(f, path); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func checkOwner(f *os.File, path string) error {
	// Not f.Fd(): that would put a FIFO back into blocking mode.
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	uid := int(st.Uid)
	mine := uid == os.Geteuid() || uid == 0
	if mine && st.Mode&0o002 == 0 {
		return nil
	}
	dir := filepath.Dir(path)
	var ds syscall.Stat_t
	if err := syscall.Stat(dir, &ds); err != nil {
		return err
	}
	if ds.Mode&(syscall.S_ISVTX|0o002) == 0 {
		return nil // a private folder: its owner chose what is in it
	}
	return &PlantedError{Path: path, Owner: uid, Mode: os.FileMode(st.Mode & 0o7777), Dir: dir}
}

func isSymlink(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.Mode()&os.ModeSymlink != 0
}

func isFIFO(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.Mode()&os.ModeNamedPipe != 0
}
