package pipeline

import (
	"bufio"
	"errors"
	"fmt"
	"os"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/fileguard"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/safe"
)

// recorder appends every event received, before any check or filter, to a
// file as qmpwatch json lines, so that replay gives back exactly what was
// seen. It is flushed whenever the pipeline's output is.
type recorder struct {
	path string
	f    *os.File
	w    *bufio.Writer
	buf  []byte
	err  *RecordError   // the first failure; nothing is written after it
	qemu decode.Version // the version of the last greeting line written
}

// RecordError is a failure to write the --record file. It is always an
// error (exit 1), even when it is EPIPE (a FIFO whose reader left): only a
// closed stdout ends qmpwatch quietly.
type RecordError struct {
	Path string
	Err  error
}

func (e *RecordError) Error() string { return fmt.Sprintf("record %s: %s", e.Path, e.Err) }

// Unwrap gives the underlying error.
func (e *RecordError) Unwrap() error { return e.Err }

// ExitCode is 1: the record is incomplete.
func (e *RecordError) ExitCode() int { return exitcode.Error }

// openRecorder opens path for appending, creating it readable by its owner
// only: events can carry client addresses and user names. fileguard refuses
// a symlink (one planted in a shared folder must not send the events to
// another file), a FIFO nobody reads (the open would wait where no signal
// reaches it), and a file another user could have planted in /tmp (they
// would read the events, and add lines replay trusts).
func openRecorder(path string) (*recorder, error) {
	f, err := fileguard.OpenAppend(path, 0o600)
	if err != nil {
		var planted *fileguard.PlantedError
		switch {
		case errors.Is(err, fileguard.ErrSymlink), errors.Is(err, fileguard.ErrFIFONoReader):
			err = fmt.Errorf("record %s: %w", safe.String(path), err)
		case errors.As(err, &planted):
			planted.Path, planted.Dir = safe.String(planted.Path), safe.String(planted.Dir)
			err = fmt.Errorf("record: %w", planted)
		default:
			err = fmt.Errorf("record: %w", err)
		}
		return nil, exitcode.With(exitcode.Error, err)
	}
	return &recorder{path: path, f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

// record writes one event. After the first failure it writes nothing and
// returns nil: that failure was returned once and ends the run.
func (r *recorder) record(ev *decode.Event) error {
	if r.err != nil {
		return nil
	}
	r.buf = r.buf[:0]
	if ev.QEMU.Known() && ev.QEMU != r.qemu {
		// A transcript line with the QEMU that sent the events after it, so
		// that replay judges them as that version and simulate serves it.
		// Written again whenever the version changes (many VMs, an upgrade).
		r.qemu = ev.QEMU
		r.buf = appendGreeting(r.buf, ev.QEMU)
	}
	r.buf, _ = render.JSON{}.Render(r.buf, ev)
	if _, err := r.w.Write(r.buf); err != nil {
		return r.fail(err)
	}
	return nil
}

func (r *recorder) flush() error {
	if r.err != nil {
		return nil
	}
	if err := r.w.Flush(); err != nil {
		return r.fail(err)
	}
	return nil
}

func (r *recorder) fail(err error) error {
	r.err = &RecordError{Path: safe.String(r.path), Err: err}
	return r.err
}

func (r *recorder) close() error {
	err := r.flush()
	if cerr := r.f.Close(); err == nil && cerr != nil && r.err == nil {
		err = r.fail(cerr)
	}
	return err
}

// appendGreeting appends a QMP greeting line for QEMU version v: the
// version is what the engine knows of a greeting (Event.QEMU), which is all
// a reader of the record needs; the package string is not kept.
func appendGreeting(b []byte, v decode.Version) []byte {
	return fmt.Appendf(b, `{"QMP": {"version": {"qemu": {"micro": %d, "minor": %d, "major": %d}, "package": ""}, "capabilities": []}}`+"\n", v.Micro, v.Minor, v.Major)
}
