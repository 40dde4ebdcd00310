// Package logfile reads recorded QMP events, one per line, in every format
// qmpwatch meets in the wild, mixed freely in one file:
//
//   - qmpwatch's own -o json lines (a QMP event plus "vm");
//   - raw QMP transcripts (greeting, replies and events as QEMU sent them);
//   - virsh qemu-monitor-event --loop output, with or without --timestamp;
//
// and any of these gzip-compressed. A line that is none of them is reported
// to a callback with its file and line number and skipped; reading goes on.
package logfile

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/fileguard"
	"github.com/qmpwatch/qmpwatch/internal/safe"
)

// Options tune a Reader.
type Options struct {
	// Name is how warnings name the input: a path, or "stdin".
	Name string
	// MaxLine bounds one line (0: the live client's message limit,
	// decode.DefaultMaxMessage); a longer one is skipped with a warning.
	MaxLine int
	// Label is the VM of events whose line does not name one. Empty means
	// DefaultLabel(Name).
	Label string
	// Follow keeps reading at the end of the input, like tail -f, until the
	// context passed to Next is cancelled.
	Follow bool
	// Poll is how often a followed file is checked for growth (default 100ms).
	Poll time.Duration
	// Warn receives every line that is not an event in a known format. Nil
	// drops them silently.
	Warn func(*LineError)
	// OnMessage receives the QMP messages that are not events (greetings,
	// replies) in transcript lines. The message's slices are only valid
	// during the call.
	OnMessage func(*decode.Message)
	// Skip, when set, is asked about each JSON event line, by its name and
	// its raw (not yet validated) data, before the line is validated or
	// decoded; true drops the line unread. It is how filters make the events
	// they reject cost almost nothing.
	Skip func(name string, data []byte) bool
	// Decode asks for each event's data to be decoded while reading ahead,
	// for outputs that read every event's data (pretty, table, template).
	Decode bool
	// OnReopen, when set, hears which followed file (its Name) was read
	// again from its start, and why: "truncated" or "replaced" (rotated: a
	// new file at the path).
	OnReopen func(name, reason string)
}

// LineError is one unreadable line.
type LineError struct {
	Name string // the input, as in Options.Name
	Line int    // 1-based
	Err  error
}

func (e *LineError) Error() string {
	// The name is a file's (a --dir listing, a command line) and the
	// reason may quote the line: escaped here, once for every reader.
	return safe.String(fmt.Sprintf("%s:%d: skipped: %v", e.Name, e.Line, e.Err))
}

func (e *LineError) Unwrap() error { return e.Err }

// Reader yields the events of one input. It is not safe for concurrent use.
type Reader struct {
	o       Options
	src     io.Reader // what we read from before any decompression
	br      *bufio.Reader
	closers []io.Closer
	line    int
	long    []byte // the line being assembled when it outgrows br's buffer
	version decode.Version
	gzipped bool
	alloc   alloc
	ahead   *ahead // reading ahead in parallel (ahead.go); nil when not
	follow  follow // the followed file (follow.go)
	tooLong int    // readLine dropped a line of this many bytes (> maxLine)
}

// maxLine bounds one line, as the live client bounds one message: a longer
// line is skipped with a warning, never held in memory whole.
const maxLine = decode.DefaultMaxMessage

// bufSize is the read buffer. Lines longer than this still work: they are
// assembled in a growing side buffer, up to maxLine.
const bufSize = 256 << 10

// DefaultLabel names the VM of a log's events that carry none: the file's
// base name without extensions (vm1.log.gz → vm1), or "stdin".
func DefaultLabel(name string) string {
	if name == "" || name == "-" || name == "stdin" {
		return "stdin"
	}
	base := filepath.Base(name)
	base = strings.TrimSuffix(base, ".gz")
	if ext := filepath.Ext(base); ext != "" && ext != base {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}

// Open opens a file for reading. Following (o.Follow) needs a regular
// file, which grows in place; a FIFO can be read, without following, and
// its open waits for a writer only until ctx ends (SIGINT, SIGTERM).
func Open(ctx context.Context, path string, o Options) (*Reader, error) {
	if o.Follow {
		if err := fileguard.Regular(path, "-F follows a file that grows (read it without -F)"); err != nil {
			return nil, err
		}
	}
	f, err := fileguard.OpenRead(ctx, path)
	if err != nil {
		return nil, err
	}
	if o.Name == "" {
		o.Name = path
	}
	r, err := NewReader(f, o)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closers = append(r.closers, f)
	if o.Follow && !r.gzipped {
		r.follow = follow{path: path, f: f}
	}
	return r, nil
}

// NewReader reads from src, which may be gzip-compressed: that is decided by
// its first two bytes, not by any name.
func NewReader(src io.Reader, o Options) (*Reader, error) {
	if o.Name == "" {
		o.Name = "stdin"
	}
	if o.Label == "" {
		o.Label = DefaultLabel(o.Name)
	}
	if o.Poll <= 0 {
		o.Poll = 100 * time.Millisecond
	}
	if o.MaxLine <= 0 {
		o.MaxLine = maxLine
	}
	r := &Reader{o: o, src: src, br: bufio.NewReaderSize(src, bufSize)}
	magic, _ := r.br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(r.br)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.Name, err)
		}
		r.closers = append(r.closers, zr)
		r.br = bufio.NewReaderSize(zr, bufSize)
		r.gzipped = true
	}
	if !o.Follow {
		r.startAhead()
	}
	return r, nil
}

// Version is the QEMU version of the last greeting read, or the zero
// Version when the input had none so far.
func (r *Reader) Version() decode.Version { return r.version }

// Close releases the input.
func (r *Reader) Close() error {
	reading := r.ahead != nil
	if reading {
		// The read-ahead goroutine may be inside a read: files are safe to
		// close under it (the read fails and it stops), a gzip reader is
		// not, and closing one only reports its state anyway.
		r.ahead.stop()
	}
	var first error
	for i := len(r.closers) - 1; i >= 0; i-- {
		if _, isGzip := r.closers[i].(*gzip.Reader); isGzip && reading {
			continue
		}
		if err := r.closers[i].Close(); err != nil && first == nil {
			first = err
		}
	}
	r.closers = nil
	return first
}

// Next returns the next event. At the end of the input it returns io.EOF,
// or, when following, waits for more until ctx is done. The event owns its
// bytes: it stays valid after later calls.
func (r *Reader) Next(ctx context.Context) (*decode.Event, error) {
	if r.ahead != nil {
		return r.nextAhead(ctx)
	}
	for {
		line, err := r.readLine(ctx)
		if err != nil {
			return nil, r.endErr(err)
		}
		r.line++
		if r.tooLong > 0 {
			r.warnLong(r.line, r.tooLong)
			continue
		}
		if r.o.Skip != nil && r.skipLine(bytes.TrimSpace(line)) {
			continue
		}
		if ev, ok := r.parseLine(line); ok {
			return ev, nil
		}
	}
}

// parseLine parses one line; ok is false for a line that holds no event
// (warned about if it is not one of the known formats).
func (r *Reader) parseLine(line []byte) (*decode.Event, bool) {
	ev, err := r.parse(line)
	if err != nil {
		if r.o.Warn != nil {
			r.o.Warn(&LineError{Name: r.o.Name, Line: r.line, Err: err})
		}
		return nil, false
	}
	return ev, ev != nil
}

// endErr is the error that ends the input: io.EOF at its end.
func (r *Reader) endErr(err error) error {
	if err == nil {
		return io.EOF
	}
	if errors.Is(err, io.ErrUnexpectedEOF) && r.gzipped {
		return fmt.Errorf("%s: truncated gzip data", r.o.Name)
	}
	if errors.Is(err, gzip.ErrHeader) || errors.Is(err, gzip.ErrChecksum) {
		return fmt.Errorf("%s: %w (a damaged gzip file, or data after its end)", r.o.Name, err)
	}
	return err
}

// warnLong reports a line skipped for being longer than maxLine.
func (r *Reader) warnLong(line, n int) {
	if r.o.Warn != nil {
		r.o.Warn(&LineError{Name: r.o.Name, Line: line,
			Err: fmt.Errorf("line longer than %d MB (%d bytes)", r.o.MaxLine>>20, n)})
	}
}

// readLine returns the next line without its line ending. The slice is valid
// until the next call. Lines that fit the read buffer are not copied.
//
// A line longer than maxLine is read through and dropped, not kept: the
// call returns an empty line with r.tooLong set to its length.
func (r *Reader) readLine(ctx context.Context) ([]byte, error) {
	r.long = r.long[:0]
	r.tooLong = 0
	dropped := 0 // bytes of an over-long line read and thrown away
	keep := func(b []byte) {
		if dropped > 0 || len(r.long)+len(b) > r.o.MaxLine {
			dropped += len(r.long) + len(b)
			r.long = r.long[:0]
			return
		}
		r.long = append(r.long, b...)
	}
	tooLong := func() ([]byte, error) {
		r.tooLong = dropped
		if cap(r.long) > r.o.MaxLine/4 {
			r.long = nil // give the memory back
		}
		return nil, nil
	}
	if r.follow.f != nil && r.br.Buffered() == 0 && r.follow.snap != nil {
		// Reading a followed file again after a pause: it may have been
		// truncated and rewritten meanwhile.
		r.checkFollowed()
	}
	for {
		b, err := r.br.ReadSlice('\n')
		switch {
		case err == nil:
			if r.follow.f != nil && r.br.Buffered() == 0 {
				r.markFollowed()
			}
			if len(r.long) > 0 || dropped > 0 {
				keep(b)
				if dropped > 0 {
					return tooLong()
				}
				b = r.long
			} else if len(b) > r.o.MaxLine {
				dropped = len(b)
				return tooLong()
			}
			return trimEOL(b), nil
		case err == bufio.ErrBufferFull:
			keep(b)
			continue
		case err == io.EOF:
			keep(b)
			// A gzip stream does not grow in place; follow plain files only.
			if r.o.Follow && !r.gzipped {
				r.markFollowed()
				if err := r.wait(ctx); err != nil {
					return nil, err
				}
				switch r.checkFollowed() {
				case reopenRestart:
					// The old content is gone: so is any half line of it.
					r.long, dropped = r.long[:0], 0
				case reopenNext:
					if len(r.long) > 0 {
						// The old file's last line had no newline.
						return trimEOL(r.long), nil
					}
					dropped = 0
				}
				continue
			}
			if dropped > 0 {
				return tooLong()
			}
			if len(r.long) > 0 {
				return trimEOL(r.long), nil
			}
			return nil, io.EOF
		default:
			return nil, err
		}
	}
}

// wait sleeps one poll interval, or until ctx is done.
func (r *Reader) wait(ctx context.Context) error {
	t := time.NewTimer(r.o.Poll)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func trimEOL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
