package source

import (
	"context"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// Window keeps the events of src between since (included) and before (not
// included); a zero bound is open, and with both open src is returned as
// is. Events with no time (QEMU could not read its clock) cannot be placed
// and are left out. A Batcher stays a Batcher: a window batches like any
// other source.
func Window(src Source, since, before time.Time) Source {
	if since.IsZero() && before.IsZero() {
		return src
	}
	w := &window{src: src, since: since, before: before}
	if b, ok := src.(Batcher); ok {
		return &batchWindow{window: w, b: b}
	}
	return w
}

type window struct {
	src           Source
	since, before time.Time
}

func (w *window) keep(ev *decode.Event) bool {
	t := ev.Time()
	return !t.IsZero() && (w.since.IsZero() || !t.Before(w.since)) && (w.before.IsZero() || t.Before(w.before))
}

func (w *window) Next(ctx context.Context) (*decode.Event, error) {
	for {
		ev, err := w.src.Next(ctx)
		if err != nil {
			return nil, err
		}
		if w.keep(ev) {
			return ev, nil
		}
	}
}

type batchWindow struct {
	*window
	b Batcher
}

// NextBatch filters the source's batch in place; a batch with nothing in
// the window is not handed on.
func (w *batchWindow) NextBatch(ctx context.Context) ([]*decode.Event, error) {
	for {
		batch, err := w.b.NextBatch(ctx)
		if err != nil {
			return nil, err
		}
		kept := batch[:0]
		for _, ev := range batch {
			if w.keep(ev) {
				kept = append(kept, ev)
			}
		}
		if len(kept) > 0 {
			return kept, nil
		}
	}
}
