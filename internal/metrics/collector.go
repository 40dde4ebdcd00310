// Package metrics turns qmpwatch's events and connection changes into
// Prometheus metrics, and serves them with a health check over HTTP.
//
// A Collector is fed from two sides: Observe gets every *decode.Event of
// every VM (before any output filter), Status gets every source.Status
// (connected, disconnected, reconnected). It keeps plain counters per VM
// and builds the exposition at scrape time, so the per-event cost is a
// mutex and a few map updates. Run state, block jobs and display sessions
// come from internal/track, the same trackers the terminal commands use.
package metrics

import (
	"sort"
	"sync"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// endedJobsKept: a VM's job tracker remembers this many ended jobs, enough
// for the JOB_STATUS_CHANGE epilogues of jobs that end together.
const endedJobsKept = 16

// DefaultForgetAfter is how long a VM that went away keeps its series.
const DefaultForgetAfter = time.Hour

// jobBuckets are the upper bounds, in seconds, of the block job duration
// histogram: from a quick copy to a day-long backup.
var jobBuckets = []float64{1, 5, 15, 60, 300, 900, 1800, 3600, 10800, 43200, 86400}

// Options configure a Collector.
type Options struct {
	// ForgetAfter: a VM gone this long loses its series (0: DefaultForgetAfter).
	ForgetAfter time.Duration
	// Now is the clock for forgetting; time.Now when nil. Tests pass a fake.
	Now func() time.Time
	// Catalog names the rate-limited events in the help text, and gives
	// the follow-ups that tell an io-error pause from a plain one;
	// decode.Builtin() when nil.
	Catalog *decode.Catalog
	// Lost says, per sink and then per VM, how many events a sink lost
	// after they were counted (the fleet publisher's or the OTLP queue's
	// overflow while its server was away): each sink is a series of
	// qmpwatch_events_dropped_total{sink}, read at each scrape. The keys are
	// the sink label's values ("nats", "otlp"); qmpwatch's own is "metrics".
	Lost map[string]func() map[string]uint64
	// Note, when set, is told a line for stderr, already escaped: a VM that
	// reached a tracker's bound (track.Full), once per VM. It may be
	// called from several VMs' goroutines at once.
	Note func(line string)
}

// Collector is a prometheus.Collector of qmpwatch's metrics. Its methods
// are safe for concurrent use: each VM has its own lock, so the events of
// different VMs are counted in parallel.
type Collector struct {
	mu  sync.RWMutex // guards vms and sorted; taken before any VM's lock
	vms map[string]*vmState
	// fast mirrors vms for lockVM, which runs for every event of every
	// VM at once: a sync.Map read takes no lock that the cores share.
	fast        sync.Map // string → *vmState
	forgetAfter time.Duration
	now         func() time.Time
	cat         *decode.Catalog
	fams        [nFamilies]family
	d           descs
	sorted      []string // VM names in order, for the text exposition; nil when stale
	lost        map[string]func() map[string]uint64
	sinks       []string // Lost's keys, sorted
	note        func(line string)
}

// New returns an empty Collector.
func New(o Options) *Collector {
	if o.ForgetAfter <= 0 {
		o.ForgetAfter = DefaultForgetAfter
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Catalog == nil {
		o.Catalog = decode.Builtin()
	}
	c := &Collector{vms: map[string]*vmState{}, forgetAfter: o.ForgetAfter, now: o.Now, cat: o.Catalog, fams: newFamilies(o.Catalog), lost: o.Lost, note: o.Note}
	for sink := range o.Lost {
		c.sinks = append(c.sinks, sink)
	}
	sort.Strings(c.sinks)
	c.d = newDescs(&c.fams)
	return c
}

// lockVM returns the VM's state, created if need be, with its lock held.
func (c *Collector) lockVM(name string) *vmState {
	for {
		var v *vmState
		if x, ok := c.fast.Load(name); ok {
			v = x.(*vmState)
		} else {
			c.mu.Lock()
			if v = c.vms[name]; v == nil {
				v = c.newVM(name)
				c.vms[name] = v
				c.fast.Store(name, v)
				c.sorted = nil
			}
			c.mu.Unlock()
		}
		v.mu.Lock()
		if !v.forgotten {
			return v
		}
		v.mu.Unlock() // swept meanwhile: make it anew
	}
}

// snapshot forgets the VMs gone for longer than ForgetAfter and returns
// the others, by name.
func (c *Collector) snapshot() []*vmState {
	lost := make([]map[string]uint64, len(c.sinks))
	for i, sink := range c.sinks {
		lost[i] = c.lost[sink]()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sweepLocked()
	if len(lost) > 0 {
		for _, v := range c.vms {
			v.mu.Lock()
			v.lost = v.lost[:0]
			for _, m := range lost {
				v.lost = append(v.lost, m[v.name])
			}
			v.mu.Unlock()
		}
	}
	if c.sorted == nil {
		c.sorted = make([]string, 0, len(c.vms))
		for name := range c.vms {
			c.sorted = append(c.sorted, name)
		}
		sort.Strings(c.sorted)
	}
	vms := make([]*vmState, len(c.sorted))
	for i, name := range c.sorted {
		vms[i] = c.vms[name]
	}
	return vms
}

// Uncounted notes an event that reached qmpwatch but could not be counted
// (serve --strict ends on a schema violation before counting it). It shows
// in qmpwatch_events_dropped_total, whose 0 proves that everything read
// from a monitor was counted.
func (c *Collector) Uncounted(ev *decode.Event) {
	v := c.lockVM(ev.VM)
	v.received++
	v.mu.Unlock()
}

// SetState seeds a VM's run state, from query-status when it connects.
func (c *Collector) SetState(vm string, st track.RunState) {
	v := c.lockVM(vm)
	v.state.Seed(vm, st)
	v.mu.Unlock()
}

// Status records a connection change. Unreachable has no VM and only
// matters to the health check.
func (c *Collector) Status(st source.Status) {
	if st.VM == "" {
		return
	}
	v := c.lockVM(st.VM)
	switch st.Kind {
	case source.Connected, source.Reconnected:
		// A VM that the folder watch or the listener finds again after
		// a gap is a reconnect too, however the source saw it.
		if st.Kind == source.Reconnected || (v.seen && !v.up) {
			v.reconnects++
		}
		v.up, v.seen, v.goneSince = true, true, time.Time{}
	case source.Disconnected:
		v.up, v.goneSince = false, c.now()
		// Nothing more will be heard of its sessions and jobs: the next
		// session starts from what QEMU says then.
		v.sessions.EndAll(st.VM, st.At)
		v.jobs.EndAll(st.VM, st.At)
		v.causes.Forget(st.VM)
	}
	v.mu.Unlock()
	c.mu.Lock()
	c.sweepLocked()
	c.mu.Unlock()
}

// sweepLocked forgets the VMs that have been gone for forgetAfter. Callers
// hold c.mu for writing.
func (c *Collector) sweepLocked() {
	now := c.now()
	for name, v := range c.vms {
		v.mu.Lock()
		if !v.up && !v.goneSince.IsZero() && now.Sub(v.goneSince) >= c.forgetAfter {
			v.forgotten = true
			delete(c.vms, name)
			c.fast.Delete(name)
			c.sorted = nil
		}
		v.mu.Unlock()
	}
}

// Observe counts one event. Call it for every event, in the order of its
// VM's stream, before any output filter.
func (c *Collector) Observe(ev *decode.Event) {
	spec := c.cat.Lookup(ev.Name)
	if spec != nil && spec.Own {
		return // qmpwatch's own markers are not QEMU's events
	}
	v := c.lockVM(ev.VM)
	defer v.mu.Unlock()
	v.received++
	v.counted++
	if _, ok := v.events[ev.Name]; ok {
		v.events[ev.Name]++ // a name seen before is already a valid label value
	} else {
		bump(v.events, labelValue(ev.Name), maxEventNames)
	}
	if ev.Seconds >= 0 && ev.Micros >= 0 {
		v.lastEvent, v.hasLast = float64(ev.Seconds)+float64(ev.Micros)/1e6, true
	}
	if len(ev.Check.Problems) > 0 {
		bump(v.violations, labelValue(ev.Name), maxEventNames)
	}
	// Most events are none of the ones below; their data is never decoded.
	causedBy := v.causes.Observe(ev)
	v.state.Observe(ev, causedBy)
	switch ev.Name {
	case "SHUTDOWN":
		bump(v.shutdowns, labelValue(ev.Data().Str("reason")), maxLabelSet)
	case "RESET":
		bump(v.resets, labelValue(ev.Data().Str("reason")), maxLabelSet)
	case "GUEST_PANICKED":
		bump(v.panics, labelValue(ev.Data().Str("action")), maxLabelSet)
	case "WATCHDOG":
		bump(v.watchdog, labelValue(ev.Data().Str("action")), maxLabelSet)
	case "BLOCK_IO_ERROR":
		v.blockIOError(ev)
	case "JOB_STATUS_CHANGE", "BLOCK_JOB_READY", "BLOCK_JOB_COMPLETED", "BLOCK_JOB_CANCELLED", "BLOCK_JOB_ERROR", "BLOCK_JOB_PENDING":
		v.job(ev)
	case "VNC_CONNECTED", "VNC_INITIALIZED", "VNC_DISCONNECTED", "SPICE_CONNECTED", "SPICE_INITIALIZED", "SPICE_DISCONNECTED":
		v.sessions.Observe(ev)
	}
}

// blockIOError counts a BLOCK_IO_ERROR by disk: QEMU names it by device
// (the drive), or node-name, or the guest device's qom-path.
func (v *vmState) blockIOError(ev *decode.Event) {
	d := ev.Data()
	dev := d.Str("device")
	if dev == "" {
		dev = d.Str("node-name")
	}
	if dev == "" {
		dev = d.Str("qom-path")
	}
	nospace := "false"
	if x, ok := d.Get("nospace"); ok && x.Truthy() {
		nospace = "true"
	}
	k := ioKey{labelValue(dev), labelValue(d.Str("operation")), labelValue(d.Str("action")), nospace}
	if _, ok := v.ioErrors[k]; !ok && len(v.ioErrors) >= maxLabelSet {
		k = ioKey{otherValue, otherValue, otherValue, otherValue}
	}
	v.ioErrors[k]++
}

// job feeds the job tracker; a block job that ends is observed in the
// duration histogram, from its first event to its last, in QEMU's time.
func (v *vmState) job(ev *decode.Event) {
	j, ch := v.jobs.Observe(ev)
	if ch != track.Ended || j.Type == "" || j.Start.IsZero() || j.End.IsZero() {
		return // not a block job, or no timestamps to measure with
	}
	k := jobKey{labelValue(j.Type), labelValue(j.Result)}
	h := v.jobHist[k]
	if h == nil {
		if len(v.jobHist) >= maxLabelSet {
			return
		}
		h = &histogram{counts: make([]uint64, len(jobBuckets))}
		v.jobHist[k] = h
	}
	h.observe(j.End.Sub(j.Start).Seconds())
}
