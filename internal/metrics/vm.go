package metrics

import (
	"fmt"
	"hash/fnv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/qmpwatch/qmpwatch/internal/safe"

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
	forgotten  bool     // swept out of the collector; a new state replaces it
	name       string   // the VM's label, as the trackers know it
	lost       []uint64 // counted, then lost by each sink (Options.Lost), in Collector.sinks' order
	value      string   // the vm label's value (labelValue of name)
	label      []byte   // `vm="NAME"`, escaped for the text format
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

// newVM is the state of a VM seen for the first time.
func (c *Collector) newVM(name string) *vmState {
	// The trackers only count here: they keep no ended sessions, and only
	// the few ended jobs whose epilogue may still come, not the tables'
	// history (less to hold for 500 VMs, and less to step over).
	jobs, sessions := track.NewJobs(), track.NewSessions()
	jobs.KeepEndedAtMost(endedJobsKept)
	sessions.KeepEndedAtMost(0)
	if c.note != nil {
		full := func(f track.Full) { c.note("qmpwatch: " + f.String()) }
		jobs.OnFull(full)
		sessions.OnFull(full)
	}
	value := labelValue(name)
	return &vmState{
		name: name, value: value, label: appendLabel(nil, "vm", value),
		events: map[string]uint64{}, violations: map[string]uint64{},
		shutdowns: map[string]uint64{}, resets: map[string]uint64{},
		panics: map[string]uint64{}, watchdog: map[string]uint64{},
		ioErrors: map[ioKey]uint64{}, jobHist: map[jobKey]*histogram{},
		causes: track.NewCauses(c.cat), state: track.NewStates(),
		jobs: jobs, sessions: sessions,
	}
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

// maxLabelValue bounds a label value in bytes: a VM named with 4 MB made
// every series, and every scrape, 4 MB longer.
const maxLabelValue = 128

// labelValue makes a wire string usable as a label value: "none" when QEMU
// sent nothing; escaped as for a terminal (internal/safe: control, C1 and
// bidi characters, invalid UTF-8), since a scrape is read with curl too
// and client_golang takes only valid UTF-8; and at most maxLabelValue
// bytes, a longer value cut and marked "…#" with 8 hex digits of a hash
// of the whole, so that two long names stay two VMs.
func labelValue(s string) string {
	if s == "" {
		return "none"
	}
	if len(s) <= maxLabelValue && plainASCII(s) {
		return s // the usual value, as it is
	}
	b := make([]byte, 0, min(len(s), maxLabelValue)+4)
	for i := 0; i < len(s); {
		_, w := utf8.DecodeRuneInString(s[i:])
		n := len(b)
		if b = safe.Append(b, s[i:i+w]); len(b) > maxLabelValue {
			h := fnv.New32a()
			h.Write([]byte(s))
			return string(b[:n]) + "…#" + fmt.Sprintf("%08x", h.Sum32())
		}
		i += w
	}
	return string(b)
}

// plainASCII: printable ASCII only, nothing to escape.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// sinkMetrics is the sink label of the events the collector itself did not
// count (qmpwatch_events_dropped_total{sink="metrics"}).
const sinkMetrics = SinkMetrics

// lostBy is what the i-th sink of Collector.sinks lost of this VM's events
// (0 before the first scrape saw it).
func (v *vmState) lostBy(i int) uint64 {
	if i < len(v.lost) {
		return v.lost[i]
	}
	return 0
}
