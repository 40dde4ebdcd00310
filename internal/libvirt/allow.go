package libvirt

import "fmt"

// The two libvirt RPC programs qmpwatch speaks.
const (
	programRemote uint32 = 0x20008086
	programQEMU   uint32 = 0x20008087
)

// Procedures whose messages libvirt sends to us (events).
const (
	procLifecycleEvent uint32 = 318 // REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE
	procMonitorEvent   uint32 = 6   // QEMU_PROC_DOMAIN_MONITOR_EVENT
)

type proc struct{ program, number uint32 }

// allowed is the one list of libvirt procedures qmpwatch may call. Each one
// only reads, opens or closes the connection, or (de)registers an event
// callback. Notably absent: QEMU_PROC_DOMAIN_MONITOR_COMMAND (it would
// send QMP commands and taints the domain) and anything that changes a
// domain. The guard in wire.go refuses every other call before it reaches
// the socket.
var allowed = map[proc]string{
	{programRemote, 1}:   "ConnectOpen",
	{programRemote, 2}:   "ConnectClose",
	{programRemote, 3}:   "ConnectGetType",
	{programRemote, 4}:   "ConnectGetVersion",
	{programRemote, 66}:  "AuthList",
	{programRemote, 70}:  "AuthPolkit",
	{programRemote, 212}: "DomainGetState",
	{programRemote, 273}: "ConnectListAllDomains",
	{programRemote, 316}: "ConnectDomainEventCallbackRegisterAny",
	{programRemote, 317}: "ConnectDomainEventCallbackDeregisterAny",
	{programQEMU, 4}:     "QEMUConnectDomainMonitorEventRegister",
	{programQEMU, 5}:     "QEMUConnectDomainMonitorEventDeregister",
}

// ForbiddenError is a call outside the allowlist; it never left qmpwatch.
type ForbiddenError struct{ Program, Procedure uint32 }

func (e *ForbiddenError) Error() string {
	return fmt.Sprintf("libvirt procedure %#x/%d is not on qmpwatch's read-only allowlist", e.Program, e.Procedure)
}

func check(program, number uint32) error {
	if _, ok := allowed[proc{program, number}]; !ok {
		return &ForbiddenError{Program: program, Procedure: number}
	}
	return nil
}
