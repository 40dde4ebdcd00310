// Package track turns the event stream into the things that last: SPICE and
// VNC sessions, block jobs, each VM's run state, and the causes that link a
// documented follow-up (a STOP) to the event that provoked it (a disk error).
// It is pure logic over *decode.Event: no IO, no clocks but the events' own.
package track

import (
	"strings"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// The window in which a follow-up is linked to its cause. QEMU raises the
// follow-up synchronously (the STOP is in the same main-loop iteration as the
// BLOCK_IO_ERROR), so a short window suffices and keeps a later, unrelated
// STOP from being blamed on an old error.
const (
	CauseEvents = 8               // at most this many events of the VM in between
	CauseWindow = 2 * time.Second // and at most this much event time in between
	maxPending  = 16              // expectations kept per VM; the oldest go first
)

// Causes links events to the earlier event they are a documented follow-up
// of, per VM, using the catalog's FollowUps. Memory is bounded: a few
// expectations per VM, each expiring after CauseEvents events or CauseWindow.
type Causes struct {
	cat *decode.Catalog
	vms map[string]*causeVM
}

type causeVM struct {
	seq     int
	pending []expect
	ctx     *contextVM // what earlier events tell about later ones (context.go)
}

// expect is a follow-up we are waiting for.
type expect struct {
	then  string
	cause string
	by    string // the causing event's name
	seq   int
	at    time.Time
}

// NewCauses returns a tracker that reads follow-ups from cat.
func NewCauses(cat *decode.Catalog) *Causes {
	return &Causes{cat: cat, vms: map[string]*causeVM{}}
}

// Observe looks at one event: when it is an awaited follow-up, it sets
// ev.Cause and returns the name of the causing event ("" otherwise); when it
// announces follow-ups of its own, they are awaited from now on. It also
// fills ev.Context from the VM's earlier events (context.go), and names a
// migration as the cause of a STOP that comes while one is in progress. Call it for every event, before any filter, so a
// cause that is filtered out of the output still explains its follow-up.
func (c *Causes) Observe(ev *decode.Event) (causedBy string) {
	vm := c.vms[ev.VM]
	if vm == nil {
		vm = &causeVM{ctx: newContextVM()}
		c.vms[ev.VM] = vm
	}
	// A STOP during a migration is its switchover (QEMU stops the source
	// before moving the device state), unless a documented cause claims it.
	migrating := vm.ctx.migrating
	vm.ctx.observe(ev)
	vm.seq++
	now := ev.Time()
	keep := vm.pending[:0]
	for _, x := range vm.pending {
		if vm.seq-x.seq > CauseEvents || (!now.IsZero() && !x.at.IsZero() && now.Sub(x.at) > CauseWindow) {
			continue // expired
		}
		if causedBy == "" && x.then == ev.Name {
			ev.Cause, ev.CausedBy, causedBy = x.cause, x.by, x.by
			continue // consumed
		}
		keep = append(keep, x)
	}
	vm.pending = keep
	if causedBy == "" && ev.Name == "STOP" && migrating {
		ev.Cause, ev.CausedBy, causedBy = "migration switchover", "MIGRATION", "MIGRATION"
	}
	spec := c.cat.Lookup(ev.Name)
	if spec == nil || len(spec.FollowUps) == 0 {
		return causedBy
	}
	var data decode.Value
	for _, f := range spec.FollowUps {
		if f.When.Field != "" {
			if data.Kind == decode.Null {
				data = ev.Data()
			}
			if v, ok := data.Get(f.When.Field); !ok || v.Kind != decode.String || v.Text != f.When.Equals {
				continue
			}
		}
		// An option condition (-no-shutdown) cannot be seen from the
		// stream; the follow-up arriving at all is the evidence.
		if len(vm.pending) == maxPending {
			vm.pending = append(vm.pending[:0], vm.pending[1:]...)
		}
		vm.pending = append(vm.pending, expect{then: f.Then, cause: Describe(ev), by: ev.Name, seq: vm.seq, at: now})
	}
	return causedBy
}

// Forget drops what is known about a VM (its connection ended).
func (c *Causes) Forget(vm string) { delete(c.vms, vm) }

// Describe names an event as a cause, in a few words: "write error on
// ide0-hd1", "watchdog expiry". The text comes from the wire and
// must be escaped before it reaches a terminal.
func Describe(ev *decode.Event) string {
	d := ev.Data()
	switch ev.Name {
	case "BLOCK_IO_ERROR":
		dev := d.Str("device")
		if dev == "" {
			dev = d.Str("node-name")
		}
		return d.Str("operation") + " error on " + dev
	case "WATCHDOG":
		return "watchdog expiry"
	case "GUEST_PANICKED":
		return "guest panic"
	case "SHUTDOWN":
		if r := d.Str("reason"); r != "" {
			return r + " under -no-shutdown"
		}
		return "shutdown under -no-shutdown"
	case "SUSPEND_DISK":
		return "suspend to disk"
	case "GUEST_PVSHUTDOWN":
		return "guest pvpanic shutdown request"
	}
	return strings.ToLower(strings.ReplaceAll(ev.Name, "_", " "))
}
