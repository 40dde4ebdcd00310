package render

import (
	"time"
)

// Plain words for the values of QEMU's enums, for the summaries. A value
// missing here (a newer QEMU) is shown as it came, after a neutral word.

var jobStatuses = map[string]string{
	"undefined": "is in an undefined state",
	"created":   "created",
	"running":   "running",
	"paused":    "paused",
	"ready":     "ready: in sync, waiting to be completed",
	"standby":   "on standby (paused while ready)",
	"waiting":   "waiting for the other jobs of its transaction",
	"pending":   "pending: work done, about to commit or abort its changes",
	"aborting":  "aborting",
	"concluded": "finished; kept until dismissed",
	"null":      "dismissed",
}

var migrationStatuses = map[string]string{
	"none":                   "not started",
	"setup":                  "setting up",
	"cancelling":             "being cancelled",
	"cancelled":              "cancelled",
	"active":                 "running: copying RAM while the VM runs",
	"postcopy-device":        "in postcopy: the destination is loading device state",
	"postcopy-active":        "in postcopy: the VM runs on the destination, RAM still arriving",
	"postcopy-paused":        "in postcopy, paused: the connection was lost; recover it",
	"postcopy-recover-setup": "setting up a postcopy recovery",
	"postcopy-recover":       "recovering postcopy",
	"completed":              "completed",
	"failed":                 "failed",
	"colo":                   "in COLO fault-tolerance mode",
	"pre-switchover":         "paused before switchover, waiting for migrate-continue",
	"device":                 "switching over: copying device state, VM stopped",
	"wait-unplug":            "waiting for the guest to unplug failover devices",
}

var panicActions = map[string]string{
	"pause":    "VM paused",
	"poweroff": "VM powered off",
	"run":      "VM left running",
}

var watchdogActions = map[string]string{
	"reset":      "VM reset",
	"shutdown":   "guest asked to shut down (ACPI power button)",
	"poweroff":   "VM powered off",
	"pause":      "VM paused",
	"debug":      "QEMU logged it, VM goes on",
	"none":       "nothing done, VM goes on",
	"inject-nmi": "NMI injected into the guest",
}

// shutdownReasons says why QEMU shut the VM down; "" leaves it to the guest
// flag.
var shutdownReasons = map[string]string{
	"host-error":            "QEMU shut down after a host error",
	"host-qmp-quit":         "QEMU quit on a QMP quit command",
	"host-qmp-system-reset": "shut down on a QMP system_reset (QEMU runs with -no-reboot)",
	"host-signal":           "QEMU got a signal (SIGTERM/SIGINT) and is exiting",
	"host-ui":               "shut down from QEMU's user interface (window closed)",
	"guest-shutdown":        "guest shut down",
	"guest-reset":           "guest reset; shut down instead (QEMU runs with -no-reboot)",
	"guest-panic":           "shut down because the guest panicked",
	"subsystem-reset":       "shut down on a subsystem reset (QEMU runs with -no-reboot)",
	"snapshot-load":         "shut down to load a snapshot",
}

// words appends the plain words for the enum value at path, or the value
// itself after "status" when the table lacks it.
func (l *line) words(path string, table map[string]string) *line {
	if w, ok := table[l.str(path)]; ok {
		return l.s(w)
	}
	return l.s(path).s(" ").v(path)
}

// shutdown appends a SHUTDOWN in plain words: the reason says most; the
// guest flag is added where the reason does not tell who asked, or
// disagrees.
func (l *line) shutdown() *line {
	reason, guest := l.str("reason"), l.truth("guest")
	w, ok := shutdownReasons[reason]
	if !ok {
		l.either("guest", "guest shut down", "host shut the VM down")
		if l.has("reason") && reason != "none" {
			l.s(" (reason ").v("reason").s(")")
		}
		return l
	}
	l.s(w)
	switch {
	case len(reason) > 6 && reason[:6] == "guest-":
		if !guest {
			l.s(", requested by the host")
		}
	case len(reason) > 5 && reason[:5] == "host-":
		if guest {
			l.s(", requested by the guest")
		}
	default:
		l.either("guest", ", at the guest's request", "")
	}
	return l
}

// lasted appends prefix and the length of a job or session, when its start
// was seen.
func (l *line) lasted(prefix string) *line {
	if d := l.ctx.Lasted; d > 0 {
		l.s(prefix).s(duration(d))
	}
	return l
}

// duration rounds a length to what a person reads: 423ms, 2.4s, 1m30s.
func duration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
