package libvirt

import "fmt"

// LifecycleEvent is libvirt's virDomainEventType.
type LifecycleEvent int32

// The lifecycle events qmpwatch acts on (the others are only reported).
const (
	Defined     LifecycleEvent = 0
	Undefined   LifecycleEvent = 1
	Started     LifecycleEvent = 2
	Suspended   LifecycleEvent = 3
	Resumed     LifecycleEvent = 4
	Stopped     LifecycleEvent = 5
	Shutdown    LifecycleEvent = 6
	PMSuspended LifecycleEvent = 7
	Crashed     LifecycleEvent = 8
)

var lifecycleNames = []string{"defined", "undefined", "started", "suspended", "resumed", "stopped", "shutdown", "pmsuspended", "crashed"}

func (e LifecycleEvent) String() string {
	if e >= 0 && int(e) < len(lifecycleNames) {
		return lifecycleNames[e]
	}
	return fmt.Sprintf("event %d", int32(e))
}

// Lifecycle is one domain lifecycle event (virsh event --event lifecycle).
type Lifecycle struct {
	Domain string
	ID     int32 // the running domain's id, -1 when it is not running
	Event  LifecycleEvent
	Detail int32
}

// stoppedDetails is virDomainEventStoppedDetailType; startedDetails is
// virDomainEventStartedDetailType.
var (
	stoppedDetails = []string{"shutdown", "destroyed", "crashed", "migrated", "saved", "failed", "from snapshot"}
	startedDetails = []string{"booted", "migrated", "restored", "from snapshot", "wakeup", "recreated"}
)

// Reason says why, in libvirt's words, for the events that have one.
func (l Lifecycle) Reason() string {
	var names []string
	switch l.Event {
	case Stopped:
		names = stoppedDetails
	case Started:
		names = startedDetails
	default:
		return ""
	}
	if l.Detail >= 0 && int(l.Detail) < len(names) {
		return names[l.Detail]
	}
	return fmt.Sprintf("detail %d", l.Detail)
}

func (l Lifecycle) String() string {
	if r := l.Reason(); r != "" {
		return l.Event.String() + " (" + r + ")"
	}
	return l.Event.String()
}
