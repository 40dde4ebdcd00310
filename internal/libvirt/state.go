package libvirt

import "fmt"

// State is a domain's state and the reason for it, as virsh domstate
// --reason shows them.
type State struct {
	State, Reason int32
}

var stateNames = []string{"no state", "running", "idle", "paused", "in shutdown", "shut off", "crashed", "pmsuspended"}

// reasons per state, from libvirt's virDomain*Reason enums.
var stateReasons = map[int32][]string{
	1: {"unknown", "booted", "migrated", "restored", "from snapshot", "unpaused", "migration canceled", "save canceled", "event wakeup", "crashed", "post-copy", "post-copy failed"},
	3: {"unknown", "user", "migrating", "saving", "dumping", "I/O error", "watchdog", "from snapshot", "shutting down", "creating snapshot", "crashed", "starting up", "post-copy", "post-copy failed", "api error"},
	4: {"unknown", "user"},
	5: {"unknown", "shutdown", "destroyed", "crashed", "migrated", "saved", "failed", "from snapshot", "daemon"},
	6: {"unknown", "panicked"},
	7: {"unknown"},
}

// Name is the state in virsh's words.
func (s State) Name() string {
	if s.State >= 0 && int(s.State) < len(stateNames) {
		return stateNames[s.State]
	}
	return fmt.Sprintf("state %d", s.State)
}

// ReasonName is the reason in virsh's words.
func (s State) ReasonName() string {
	r := stateReasons[s.State]
	if s.Reason >= 0 && int(s.Reason) < len(r) {
		return r[s.Reason]
	}
	return fmt.Sprintf("reason %d", s.Reason)
}

// Running says whether the domain has a QEMU process (running, paused, …).
func (s State) Running() bool { return s.State != 5 && s.State != 0 }

func (s State) String() string { return s.Name() + " (" + s.ReasonName() + ")" }

// RunStatus names the state as QEMU's run state (query-status), so that
// the trackers and status's json read the same words for a domain as for
// a socket.
func (s State) RunStatus() string {
	switch s.State {
	case 1, 2:
		return "running"
	case 3:
		switch s.Reason {
		case 5:
			return "io-error"
		case 6:
			return "watchdog"
		}
		return "paused"
	case 4:
		return "shutdown"
	case 6:
		return "guest-panicked"
	case 7:
		return "suspended"
	}
	return "shutoff"
}
