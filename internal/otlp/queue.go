package otlp

import (
	"context"
	"maps"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
)

// queue is the bounded FIFO between the pipeline and the exporter: an SDK
// Processor whose OnEmit never blocks. When it is full, the new record is
// dropped and counted (per VM): what is queued is what happened first, in
// order, and a batch being sent is never dropped from under the sender.
type queue struct {
	mu      sync.Mutex
	recs    []sdklog.Record // a ring of cap records
	head, n int
	dropped map[string]uint64 // per VM, every record lost for any reason
	unsaid  uint64            // overflow drops not yet said
	closed  bool
	wake    chan struct{} // a record arrived (capacity 1)
}

func newQueue(size int) *queue {
	return &queue{recs: make([]sdklog.Record, size), dropped: map[string]uint64{}, wake: make(chan struct{}, 1)}
}

// Enabled: every record is wanted.
func (q *queue) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }

// OnEmit queues a copy of r, or drops it when the queue is full.
func (q *queue) OnEmit(_ context.Context, r *sdklog.Record) error {
	q.mu.Lock()
	if q.closed || q.n == len(q.recs) {
		q.loseLocked(r)
		q.unsaid++
		q.mu.Unlock()
		return nil
	}
	q.recs[(q.head+q.n)%len(q.recs)] = r.Clone()
	q.n++
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return nil
}

// Shutdown and ForceFlush belong to the Sink, which drains the queue with a
// deadline of its own (Sink.Close).
func (q *queue) Shutdown(context.Context) error   { return nil }
func (q *queue) ForceFlush(context.Context) error { return nil }

// front copies up to max records from the front, oldest first.
func (q *queue) front(max int) []sdklog.Record {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := min(max, q.n)
	out := make([]sdklog.Record, n)
	for i := range out {
		out[i] = q.recs[(q.head+i)%len(q.recs)]
	}
	return out
}

// pop removes n records from the front (they were sent or given up); lost
// says they were given up.
func (q *queue) pop(n int, lost bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i := 0; i < n && q.n > 0; i++ {
		r := &q.recs[q.head]
		if lost {
			q.loseLocked(r)
		}
		*r = sdklog.Record{} // let the record's attributes go
		q.head = (q.head + 1) % len(q.recs)
		q.n--
	}
}

// len is how many records wait.
func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}

// close refuses new records: they count as dropped.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
}

// takeUnsaid returns the overflow drops since the last call.
func (q *queue) takeUnsaid() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := q.unsaid
	q.unsaid = 0
	return n
}

// droppedByVM copies the per-VM loss counts.
func (q *queue) droppedByVM() map[string]uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return maps.Clone(q.dropped)
}

func (q *queue) loseLocked(r *sdklog.Record) {
	vm := ""
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		if string(kv.Key) == AttrVM {
			vm = kv.Value.AsString()
			return false
		}
		return true
	})
	q.dropped[vm]++
}
