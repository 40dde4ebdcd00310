package logfile

import (
	"bytes"
	"context"
	"runtime"
	"sync"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// Reading ahead: when the input is read once through (not followed), one
// goroutine reads lines in batches and workers, one per CPU, judge and scan
// them in parallel: they ask Skip about each JSON line and validate the
// ones kept (decode.ScanMessage). Next then finishes, in order, the lines
// that were kept. A big log is then read on every core instead of one.

// A batch's events and their decoded trees stay alive until the batch has
// been consumed: batchLines bounds them (see TestReadAheadHoldsNoHandedOnEvent).
const (
	batchLines = 128
	batchBytes = 128 << 10
)

// batch is a run of consecutive lines and the verdicts on them.
type batch struct {
	first int         // line number of the first line
	buf   []byte      // the lines, back to back
	ends  []int       // where each line ends in buf
	skip  []bool      // Skip's verdict per line, filled by a worker
	scan  []scan      // JSON lines scanned by a worker
	err   error       // what ended the input after these lines, if anything
	long  map[int]int // line index → length, for lines over maxLine (dropped)
	done  chan struct{}
}

// scan is a worker's ScanMessage of one JSON line.
type scan struct {
	ok  bool            // the line is JSON and was scanned
	m   *decode.Message // the scan when it made no event (rare): events need only ev
	err error
	ev  *decode.Event // the event, already in memory of its own
}

func (b *batch) line(i int) []byte {
	start := 0
	if i > 0 {
		start = b.ends[i-1]
	}
	return b.buf[start:b.ends[i]]
}

type ahead struct {
	order chan *batch // batches in input order
	free  chan *batch // consumed batches, for reuse: their events own copies
	quit  chan struct{}
	once  sync.Once
	cur   *batch
	idx   int
}

// inFlight bounds the batches read ahead, and so the memory: about
// inFlight × batchBytes.
const inFlight = 2

// stop ends the goroutines; Close may call it while Next runs.
func (a *ahead) stop() { a.once.Do(func() { close(a.quit) }) }

// startAhead starts the reading and judging goroutines.
func (r *Reader) startAhead() {
	a := &ahead{order: make(chan *batch, inFlight), free: make(chan *batch, inFlight+2), quit: make(chan struct{})}
	r.ahead = a
	work := make(chan *batch, inFlight)
	workers := runtime.GOMAXPROCS(0)
	for i := 0; i < workers; i++ {
		go func() {
			var own alloc // each worker carves events from memory of its own
			for b := range work {
				for j := range b.ends {
					line := bytes.TrimSpace(b.line(j))
					if len(line) == 0 || line[0] != '{' {
						continue
					}
					if r.o.Skip != nil && r.skipLine(line) {
						b.skip[j] = true
						continue
					}
					m, err := decode.ScanMessage(line)
					sc := scan{ok: true, err: err}
					if err == nil && m.Kind == decode.MsgEvent {
						sc.ev = own.copyEvent(&m, r.o.Label)
						if r.o.Decode {
							sc.ev.Data()
						}
					} else {
						mc := m // a copy, so that m itself stays on the stack
						sc.m = &mc
					}
					b.scan[j] = sc
				}
				close(b.done)
			}
		}()
	}
	go func() {
		defer close(work)
		defer close(a.order)
		next := r.line + 1
		for {
			var b *batch
			select {
			case b = <-a.free:
				b.buf, b.ends, b.skip, b.scan, b.long = b.buf[:0], b.ends[:0], b.skip[:0], b.scan[:0], nil
			default:
				b = &batch{buf: make([]byte, 0, batchBytes+4096)}
			}
			b.first, b.done = next, make(chan struct{})
			for len(b.ends) < batchLines && len(b.buf) < batchBytes {
				line, err := r.readLine(context.Background())
				if err != nil {
					b.err = err
					break
				}
				if r.tooLong > 0 {
					if b.long == nil {
						b.long = map[int]int{}
					}
					b.long[len(b.ends)] = r.tooLong
				}
				b.buf = append(b.buf, line...)
				b.ends = append(b.ends, len(b.buf))
				if r.br.Buffered() == 0 {
					// The next read may wait (a pipe from a live
					// source): hand over what we have first.
					break
				}
			}
			next += len(b.ends)
			for range b.ends {
				b.skip = append(b.skip, false)
				b.scan = append(b.scan, scan{})
			}
			select {
			case work <- b:
			case <-a.quit:
				return
			}
			select {
			case a.order <- b:
			case <-a.quit:
				return
			}
			if b.err != nil {
				return
			}
		}
	}()
}

// skipLine asks Skip about one JSON event line; anything else is kept for
// parse to judge.
func (r *Reader) skipLine(line []byte) bool {
	if len(line) == 0 || line[0] != '{' {
		return false
	}
	name, data, ok := decode.PeekEvent(line)
	return ok && r.o.Skip(name, data)
}

// nextAhead is Next when reading ahead.
func (r *Reader) nextAhead(ctx context.Context) (*decode.Event, error) {
	a := r.ahead
	for {
		if a.cur == nil || a.idx >= len(a.cur.ends) {
			if a.cur != nil && a.cur.err != nil {
				return nil, r.endErr(a.cur.err)
			}
			select {
			case b, ok := <-a.order:
				if !ok {
					return nil, r.endErr(nil)
				}
				select {
				case <-b.done:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
				if a.cur != nil {
					// A free batch must not keep the events it handed
					// on alive (nor their trees and the chunks they
					// were carved from) while it waits to be reused.
					clear(a.cur.scan)
					select {
					case a.free <- a.cur:
					default:
					}
				}
				a.cur, a.idx = b, 0
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			continue
		}
		i := a.idx
		a.idx++
		if a.cur.skip[i] {
			continue
		}
		r.line = a.cur.first + i
		if n, ok := a.cur.long[i]; ok {
			r.warnLong(r.line, n)
			continue
		}
		if sc := &a.cur.scan[i]; sc.ev != nil {
			ev := sc.ev
			sc.ev = nil // handed on: the batch holds it no longer
			return ev, nil
		} else if sc.ok {
			ev, err := r.scanned(bytes.TrimSpace(a.cur.line(i)), sc.m, sc.err)
			if err != nil && r.o.Warn != nil {
				r.o.Warn(&LineError{Name: r.o.Name, Line: r.line, Err: err})
			}
			if ev != nil {
				return ev, nil
			}
			continue
		}
		if ev, ok := r.parseLine(a.cur.line(i)); ok {
			return ev, nil
		}
	}
}
