package source

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// batches hands out its batches, then io.EOF.
type batches [][]*decode.Event

func (b *batches) NextBatch(context.Context) ([]*decode.Event, error) {
	if len(*b) == 0 {
		return nil, io.EOF
	}
	x := (*b)[0]
	*b = (*b)[1:]
	return x, nil
}

func (b *batches) Next(ctx context.Context) (*decode.Event, error) {
	for len(*b) > 0 && len((*b)[0]) == 0 {
		*b = (*b)[1:]
	}
	if len(*b) == 0 {
		return nil, io.EOF
	}
	ev := (*b)[0][0]
	(*b)[0] = (*b)[0][1:]
	return ev, nil
}

func at(t *testing.T, sec int64) *decode.Event {
	t.Helper()
	m, err := decode.ScanMessage([]byte(fmt.Sprintf(`{"event": "STOP", "timestamp": {"seconds": %d, "microseconds": 0}}`, sec)))
	if err != nil {
		t.Fatal(err)
	}
	return decode.NewEvent(&m, "vm1")
}

// A window keeps [since, before) and batches when its source does; a batch
// with nothing in the window is skipped, not handed on empty.
func TestWindowBatches(t *testing.T) {
	since, before := time.Unix(100, 0), time.Unix(200, 0)
	src := &batches{{at(t, 50), at(t, 100)}, {at(t, 60)}, {at(t, 150), at(t, 200), at(t, 199)}}
	w := Window(src, since, before)
	b, ok := w.(Batcher)
	if !ok {
		t.Fatal("the window of a Batcher is not a Batcher")
	}
	var got []int64
	for {
		batch, err := b.NextBatch(context.Background())
		if err == io.EOF {
			break
		}
		if err != nil || len(batch) == 0 {
			t.Fatalf("batch %v, %v", batch, err)
		}
		for _, ev := range batch {
			got = append(got, ev.Time().Unix())
		}
	}
	if fmt.Sprint(got) != "[100 150 199]" {
		t.Errorf("kept %v, want [100 150 199]", got)
	}
	src = &batches{{at(t, 50), at(t, 150)}}
	if ev, err := Window(src, since, time.Time{}).Next(context.Background()); err != nil || ev.Time().Unix() != 150 {
		t.Errorf("Next = %v, %v", ev, err)
	}
	if Window(src, time.Time{}, time.Time{}) != Source(src) {
		t.Error("an open window is not its source")
	}
}
