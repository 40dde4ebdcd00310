package source

import (
	"context"
	"io"
	"sync"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/logfile"
)

// LogOptions configure a Logs source. The reader options are applied to
// every log; Name is set per log.
type LogOptions struct {
	logfile.Options
	// Stdin is what the name "-" reads.
	Stdin io.Reader
}

// Logs is the Source of recorded logs (qmpwatch json lines, raw QMP
// transcripts, virsh output): one after the other, or, when following, all
// at once as they grow. A transcript's greeting gives the QEMU version of
// the events after it.
type Logs struct {
	readers []*logfile.Reader
	cur     int
	follow  bool
	merged  chan logItem // following several logs: their events as they come
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

type logItem struct {
	ev  *decode.Event
	err error
}

// OpenLogs opens every named log ("-" is o.Stdin). On error, the logs
// already opened are closed. ctx bounds the wait for a FIFO's writer.
func OpenLogs(ctx context.Context, names []string, o LogOptions) (*Logs, error) {
	l := &Logs{follow: o.Follow}
	for _, name := range names {
		lo := o.Options
		var r *logfile.Reader
		var err error
		if name == "-" {
			lo.Name = "stdin"
			r, err = logfile.NewReader(o.Stdin, lo)
		} else {
			r, err = logfile.Open(ctx, name, lo)
		}
		if err != nil {
			l.Close()
			return nil, err
		}
		l.readers = append(l.readers, r)
	}
	return l, nil
}

// Next implements Source. The end of the last log is io.EOF.
func (l *Logs) Next(ctx context.Context) (*decode.Event, error) {
	if l.follow && len(l.readers) > 1 {
		// Followed logs never end, so they are read side by side.
		return l.nextMerged(ctx)
	}
	for l.cur < len(l.readers) {
		ev, err := next(ctx, l.readers[l.cur])
		if err == io.EOF {
			l.cur++
			continue
		}
		return ev, err
	}
	return nil, io.EOF
}

// next reads one event and stamps it with the version of the greeting
// read before it: the reader has just parsed the lines up to this event.
func next(ctx context.Context, r *logfile.Reader) (*decode.Event, error) {
	ev, err := r.Next(ctx)
	if err == nil && !ev.QEMU.Known() {
		ev.QEMU = r.Version()
	}
	return ev, err
}

func (l *Logs) nextMerged(ctx context.Context) (*decode.Event, error) {
	if l.merged == nil {
		mctx, cancel := context.WithCancel(ctx)
		l.cancel = cancel
		l.merged = make(chan logItem, 64)
		for _, r := range l.readers {
			l.wg.Add(1)
			go func(r *logfile.Reader) {
				defer l.wg.Done()
				for {
					ev, err := next(mctx, r)
					if err == io.EOF {
						return // a gzip log or stdin ended; the others go on
					}
					select {
					case l.merged <- logItem{ev, err}:
					case <-mctx.Done():
						return
					}
					if err != nil {
						return
					}
				}
			}(r)
		}
		go func() { l.wg.Wait(); close(l.merged) }()
	}
	select {
	case it, ok := <-l.merged:
		if !ok {
			return nil, io.EOF
		}
		return it.ev, it.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close stops any following and closes the files.
func (l *Logs) Close() error {
	if l.cancel != nil {
		l.cancel()
		l.wg.Wait()
	}
	for _, r := range l.readers {
		r.Close()
	}
	return nil
}
