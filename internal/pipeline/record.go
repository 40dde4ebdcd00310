package pipeline

import (
	"bufio"
	"fmt"
	"os"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/render"
)

// recorder appends every event received, before any check or filter, to a
// file as qmpwatch json lines, so that replay gives back exactly what was
// seen. It is flushed whenever the pipeline's output is.
type recorder struct {
	path string
	f    *os.File
	w    *bufio.Writer
	buf  []byte
}

// openRecorder opens path for appending, creating it readable by its owner
// only: events can carry client addresses and user names.
func openRecorder(path string) (*recorder, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	return &recorder{path: path, f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

func (r *recorder) record(ev *decode.Event) error {
	r.buf, _ = render.JSON{}.Render(r.buf[:0], ev)
	if _, err := r.w.Write(r.buf); err != nil {
		return fmt.Errorf("record %s: %w", r.path, err)
	}
	return nil
}

func (r *recorder) flush() error {
	if err := r.w.Flush(); err != nil {
		return fmt.Errorf("record %s: %w", r.path, err)
	}
	return nil
}

func (r *recorder) close() error {
	err := r.flush()
	if cerr := r.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("record %s: %w", r.path, cerr)
	}
	return err
}
