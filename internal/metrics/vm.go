package metrics

import (
	"strings"
	"sync"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/track"
)

// Limits on label values that come from the wire. QEMU's enums and a VM's
// disks bound them already; the caps keep a misbehaving peer from growing
// the exposition without end: values past a cap are counted under "other".
const (
	maxEventNames = 256 // distinct event names per VM (the catalog has ~90)
	maxLabelSet   = 64  // distinct values of any other wire label per VM
	otherValue    = "other"
)

// vmState is everything the collector keeps for one VM. Each VM has its own
// trackers, so forgetting a VM frees all of it at once.
type vmState struct {
	mu         sync.Mutex
	forgotten  bool   // swept out of the collector; a new state replaces it
	name       string // the VM's label, as the trackers know it
	lost       uint64 // counted, then lost by a sink (Options.Lost)
	label      []byte // `vm="NAME"`, escaped for the text format
	up         bool
	seen       bool      // a Connected status arrived once
	goneSince  time.Time // when it went away; zero while up or never connected
	reconnects uint64
	lastEvent  float64 // QEMU's timestamp of the last event, in seconds
	hasLast    bool
	received   uint64            // events handed to the collector (Received)
	counted    uint64            // events counted in events (Observe)
	dropped    map[string]uint64 // by sink: events an output's queue dropped (Dropped)
	runs       map[runKey]uint64 // exec and webhook outcomes (Ran)

	events     map[string]uint64
	violations map[string]uint64
	shutdowns  map[string]uint64
	resets     map[string]uint64
	panics     map[string]uint64
	watchdog   map[string]uint64
	ioErrors   map[ioKey]uint64
	jobHist    map[jobKey]*histogram

	causes   *track.Causes
	state    *track.States
	jobs     *track.Jobs
	sessions *track.Sessions
}

// ioKey is the label set of a block I/O error.
type ioKey struct{ device, operation, action, nospace string }

// jobKey is the label set of a block job duration.
type jobKey struct{ typ, result string }

// histogram is a fixed-bucket histogram: counts per bucket (not
// cumulative), their sum and total.
type histogram struct {
	counts []uint64
	count  uint64
	sum    float64
}

func (h *histogram) observe(v float64) {
	for i, ub := range jobBuckets {
		if v <= ub {
			h.counts[i]++
			break
		}
	}
	h.count++
	h.sum += v
}

// bump adds one to m[key], or to m["other"] once m holds limit keys.
func bump(m map[string]uint64, key string, limit int) {
	if _, ok := m[key]; !ok && len(m) >= limit {
		key = otherValue
	}
	m[key]++
}

// labelValue makes a wire string usable as a label value: valid UTF-8
// (client_golang refuses anything else), "none" when QEMU sent nothing.
func labelValue(s string) string {
	if s == "" {
		return "none"
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
