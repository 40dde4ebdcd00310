package logfile

import (
	"bytes"
	"io"
	"os"
)

// Following a file as tail -F does: at the end of the file, between polls,
// notice when the file was truncated (or rewritten in place: the bytes just
// before the read offset changed) and read it again from its start, and
// when a new file took its path (rotation) and, once the old one is read to
// its end, go on with the new one from its start.

// follow is the state of a followed plain file; f is nil when the input is
// not a file opened by path (stdin, a pipe).
type follow struct {
	path string
	f    *os.File
	pos  int64  // the read offset at the last end of file
	snap []byte // the bytes just before pos, as they were then
}

// reopen says what checkFollowed did.
type reopen int

const (
	reopenNone    reopen = iota // same file, read on
	reopenRestart               // the file was truncated or rewritten: from 0
	reopenNext                  // a new file at the path: from its start
)

// snapLen is how many bytes before the offset are compared to tell a
// rewritten file from one that only grew.
const snapLen = 64

// offset is where the next read from the file starts.
func (r *Reader) offset() (int64, bool) {
	pos, err := r.follow.f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, false
	}
	return pos - int64(r.br.Buffered()), true
}

// markFollowed runs at the end of the followed file, before a poll: it
// remembers the bytes just read, to tell later whether they were rewritten.
func (r *Reader) markFollowed() {
	if r.follow.f == nil {
		return
	}
	if pos, ok := r.offset(); ok && (pos != r.follow.pos || r.follow.snap == nil) {
		r.follow.pos, r.follow.snap = pos, r.before(pos)
	}
}

// checkFollowed runs at the end of the followed file, after a poll.
func (r *Reader) checkFollowed() reopen {
	fw := &r.follow
	if fw.f == nil {
		return reopenNone
	}
	cur, err := fw.f.Stat()
	if err != nil {
		return reopenNone
	}
	pos, ok := r.offset()
	if !ok {
		return reopenNone
	}
	if st, err := os.Stat(fw.path); err == nil && !os.SameFile(st, cur) {
		if !st.Mode().IsRegular() {
			// A FIFO put in its place would hang the open: keep the
			// old file until a regular one takes the path.
			return reopenNone
		}
		if cur.Size() > pos {
			return reopenNone // finish the old file first
		}
		nf, err := os.Open(fw.path)
		if err != nil {
			return reopenNone // try again at the next poll
		}
		r.replaceFile(nf)
		r.notice("replaced")
		return reopenNext
	}
	if cur.Size() < pos || (pos > 0 && pos == fw.pos && !bytes.Equal(r.before(pos), fw.snap)) {
		if _, err := fw.f.Seek(0, io.SeekStart); err != nil {
			return reopenNone
		}
		r.br.Reset(fw.f)
		fw.pos, fw.snap, r.line = 0, nil, 0
		r.notice("truncated")
		return reopenRestart
	}
	return reopenNone
}

// before reads the bytes just before pos, without moving the offset.
func (r *Reader) before(pos int64) []byte {
	start := max(pos-snapLen, 0)
	b := make([]byte, pos-start)
	n, _ := r.follow.f.ReadAt(b, start)
	return b[:n]
}

// replaceFile goes on reading from nf, closing the old file.
func (r *Reader) replaceFile(nf *os.File) {
	old := r.follow.f
	for i, c := range r.closers {
		if c == old {
			r.closers[i] = nf
		}
	}
	old.Close()
	r.follow = follow{path: r.follow.path, f: nf}
	r.src = nf
	r.br.Reset(nf)
	r.line = 0
}

func (r *Reader) notice(reason string) {
	if r.o.OnReopen != nil {
		r.o.OnReopen(r.o.Name, reason)
	}
}
