package track

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// RunState is what is known of one VM's run state: QEMU's own status name
// (running, paused, suspended, shutdown, io-error, watchdog, guest-panicked,
// prelaunch, ...), since when, and the event that set it.
type RunState struct {
	Status string    // QEMU's RunState name; "" when unknown
	Since  time.Time // zero when seeded from query-status
	By     string    // the event that set it, "" when seeded
	Reason string    // SHUTDOWN's reason, or the cause of a STOP
	Resets int       // RESET events seen while tracking
}

// String reads "paused (io-error)"-style for people: the status, and the
// reason when there is one.
func (s RunState) String() string {
	if s.Status == "" {
		return "unknown"
	}
	if s.Reason != "" {
		return s.Status + " (" + s.Reason + ")"
	}
	return s.Status
}

// ParseStatus reads the return of query-status: {"status": "running",
// "running": true, ...}.
func ParseStatus(ret []byte) (RunState, error) {
	var r struct {
		Status  *string `json:"status"`
		Running bool    `json:"running"`
	}
	if err := json.Unmarshal(ret, &r); err != nil {
		return RunState{}, fmt.Errorf("query-status: %w", err)
	}
	if r.Status == nil {
		// Very old QEMUs only say whether the VM runs.
		if r.Running {
			return RunState{Status: "running"}, nil
		}
		return RunState{Status: "paused"}, nil
	}
	return RunState{Status: *r.Status}, nil
}

// States keeps the run state of each VM from its lifecycle events.
type States struct {
	vms map[string]*RunState
}

// NewStates returns an empty tracker.
func NewStates() *States { return &States{vms: map[string]*RunState{}} }

// Seed sets a VM's state, from query-status at connect time.
func (s *States) Seed(vm string, st RunState) {
	cp := st
	s.vms[vm] = &cp
}

// Get returns the VM's state; Status is "" when nothing is known.
func (s *States) Get(vm string) RunState {
	if st := s.vms[vm]; st != nil {
		return *st
	}
	return RunState{}
}

// Forget drops a VM.
func (s *States) Forget(vm string) { delete(s.vms, vm) }

// Observe updates the VM's state from one event and reports whether it
// changed. causedBy is what Causes.Observe returned for the event: a STOP
// caused by a disk error is QEMU's io-error state, not a plain pause, and
// query-status says so too.
func (s *States) Observe(ev *decode.Event, causedBy string) bool {
	st := s.vms[ev.VM]
	if st == nil {
		st = &RunState{}
		s.vms[ev.VM] = st
	}
	set := func(status, reason string) {
		st.Status, st.Reason, st.Since, st.By = status, reason, ev.Time(), ev.Name
	}
	switch ev.Name {
	case "STOP":
		switch prev := st.Status; {
		case stopStatus[causedBy] != "":
			set(stopStatus[causedBy], ev.Cause)
		case prev == "shutdown" || prev == "guest-panicked":
			// -no-shutdown and a pausing panic end in a STOP that keeps
			// the state QEMU reports; only the time moves.
			st.Since, st.By = ev.Time(), ev.Name
		default:
			set("paused", ev.Cause)
		}
	case "RESUME", "WAKEUP":
		set("running", "")
	case "SUSPEND":
		set("suspended", "")
	case "SHUTDOWN":
		set("shutdown", ev.Data().Str("reason"))
	case "GUEST_PANICKED":
		if ev.Data().Str("action") != "pause" {
			return false // the guest runs on, or a SHUTDOWN follows
		}
		set("guest-panicked", "")
	case "RESET":
		st.Resets++
		return false
	default:
		return false
	}
	return true
}

// stopStatus maps the event that caused a STOP to QEMU's run state name.
var stopStatus = map[string]string{
	"BLOCK_IO_ERROR": "io-error",
	"WATCHDOG":       "watchdog",
	"GUEST_PANICKED": "guest-panicked",
	"SHUTDOWN":       "shutdown",
}
