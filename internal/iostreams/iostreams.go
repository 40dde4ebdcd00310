// Package iostreams holds the program's standard streams. Nothing below main
// touches os.Stdout directly, so tests run every command with buffers.
package iostreams

import (
	"bytes"
	"io"
	"os"
	"strings"
	"sync"

	"golang.org/x/term"
)

// Streams are the program's standard streams and what is known of them.
type Streams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	InTTY  bool // stdin is a terminal: a command reading it says so first
	OutTTY bool // stdout is a terminal: pretty output and colour by default
	ErrTTY bool // stderr is a terminal: colour for diagnostics
	Width  int  // the terminal's width, 0 when unknown
	Quiet  bool // -q: no notices on stderr (errors still); see Notices
}

// System returns the real standard streams.
func System() *Streams {
	s := &Streams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		InTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		OutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		ErrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
	if s.OutTTY {
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
			s.Width = w
		}
	}
	return s
}

// Test returns streams backed by buffers, with stdin reading in.
func Test(in string) (*Streams, *bytes.Buffer, *bytes.Buffer) {
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	return &Streams{In: strings.NewReader(in), Out: out, ErrOut: errOut}, out, errOut
}

// Notices returns where notices go (connection changes, skipped lines,
// warnings about flags and config): stderr, or nowhere with -q. Errors
// never go through it.
func (s *Streams) Notices() io.Writer {
	if s.Quiet {
		return io.Discard
	}
	return s.ErrOut
}

// Locked returns a copy of s whose ErrOut several goroutines may write to
// (sources, readers and the pipeline): each write, one line, stays whole.
func (s *Streams) Locked() *Streams {
	if _, ok := s.ErrOut.(*lockedWriter); ok {
		return s // already locked: one lock for every writer
	}
	ls := *s
	ls.ErrOut = &lockedWriter{w: s.ErrOut}
	return &ls
}

type lockedWriter struct {
	mu     sync.Mutex
	w      io.Writer
	closed bool
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return len(p), nil
	}
	return l.w.Write(p)
}

// CloseErr ends what a Locked copy may still write: a source's reading
// goroutine can outlive the command by a moment (a VM that hangs up as
// qmpwatch stops), and once the command has returned, its exit message is
// the last line, and the caller's stderr is the caller's again.
func (s *Streams) CloseErr() {
	if l, ok := s.ErrOut.(*lockedWriter); ok {
		l.mu.Lock()
		l.closed = true
		l.mu.Unlock()
	}
}
