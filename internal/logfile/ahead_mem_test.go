package logfile

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// wideLog is n events whose data has members members each, so that an
// event's decoded tree outweighs everything else a retained event holds.
func wideLog(n, members int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `{"timestamp": {"seconds": %d, "microseconds": 0}, "event": "STOP", "data": {`, i)
		for m := 0; m < members; m++ {
			if m > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, `"k%d": %d`, m, m)
		}
		b.WriteString("}}\n")
	}
	return b.String()
}

// liveHeap is the heap in use after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestReadAheadHoldsNoHandedOnEvent: once Next has handed an event on, the
// read-ahead must not keep it (nor its decoded tree) alive. It used to: the
// current batch and the batches waiting for reuse held every event they had
// handed on, about 4,000 events and their trees behind `replay -o pretty` (E3's
// peak memory, issue 23). Counted, not timed: the handed-on events still
// referenced, and the bytes alive after a collection against the events the
// read-ahead may hold by design.
func TestReadAheadHoldsNoHandedOnEvent(t *testing.T) {
	const members = 64
	n := (inFlight + 8) * batchLines * 2
	log := wideLog(n, members)
	r, err := NewReader(strings.NewReader(log), Options{Decode: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	base := liveHeap()
	for i := 0; i < n/2; i++ { // halfway: the read-ahead is full and the free list too
		if _, err := r.Next(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	a := r.ahead
	held := 0
	for i := 0; i < a.idx; i++ {
		if a.cur.scan[i].ev != nil {
			held++
		}
	}
	t.Logf("handed-on events still held by the current batch: %d", held)
	if held != 0 {
		t.Errorf("the current batch holds %d events it handed on", held)
	}

	// What the read-ahead may hold: the batches queued, the one being read
	// and the current one, each of batchLines events with its tree (E3's
	// 32 MB allow about maxHeld events of the recorded mix in flight), and
	// the chunks each worker carves events from, which a partly used one
	// keeps alive.
	const maxHeld = 640
	if held := (inFlight + 2) * batchLines; held > maxHeld {
		t.Errorf("the read-ahead's bounds let it hold %d events, over %d", held, maxHeld)
	}
	line := len(log) / n
	evSize := int(unsafe.Sizeof(decode.Event{}))
	perEvent := line + members*int(unsafe.Sizeof(decode.Member{})) + evSize
	mayHold := maxHeld*perEvent + runtime.GOMAXPROCS(0)*(eventChunk*evSize+textChunk)
	live := int(liveHeap()) - int(base)
	t.Logf("alive after reading %d of %d events: %d KB; allowed %d KB (%d B per event)", n/2, n, live>>10, mayHold>>10, perEvent)
	if live > mayHold*5/4 {
		t.Errorf("the read-ahead keeps %d KB alive, more than the %d KB its bounds allow", live>>10, mayHold>>10)
	}
	runtime.KeepAlive(r)
}
