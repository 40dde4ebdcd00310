package render

import (
	"strings"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// entry is what the renderers know about one event: its kind and how to
// say it in one sentence that names the values that matter.
type entry struct {
	kind Kind
	sum  func(l *line)
}

// catalog holds a summary for every event of the schema catalog (QEMU's
// events up to 10.x and qmpwatch's own markers). TestSummaryEveryEvent
// checks that each one mentions every required field.
var catalog = map[string]entry{
	// Run state.
	"STOP":         {KindState, func(l *line) { l.s("VM paused") }},
	"RESUME":       {KindState, func(l *line) { l.s("VM running") }},
	"RESET":        {KindState, func(l *line) { l.either("guest", "guest reset the VM", "host reset the VM").s(" (").v("reason").s(")") }},
	"SHUTDOWN":     {KindState, func(l *line) { l.shutdown() }},
	"POWERDOWN":    {KindState, func(l *line) { l.s("power button pressed, guest asked to power off") }},
	"SUSPEND":      {KindState, func(l *line) { l.s("guest suspended to RAM (S3)") }},
	"SUSPEND_DISK": {KindState, func(l *line) { l.s("guest suspending to disk (S4), QEMU shuts down") }},
	"WAKEUP":       {KindState, func(l *line) { l.s("guest woke up from S3") }},
	"GUEST_PVSHUTDOWN": {KindState, func(l *line) {
		l.s("guest asked for a shutdown through pvpanic")
	}},

	// Faults.
	"BLOCK_IO_ERROR": {KindFault, func(l *line) {
		l.v("operation").s(" error on ")
		named := true
		switch {
		case l.str("device") != "":
			l.v("device")
		case l.str("node-name") != "":
			l.s("node ").v("node-name")
		case l.str("qom-path") != "":
			l.v("qom-path")
			named = false
		default:
			l.s("a disk")
			named = false
		}
		if named && l.str("qom-path") != "" {
			l.s(" (").v("qom-path").s(")")
		}
		if l.str("reason") != "" {
			l.s(": ").v("reason")
		} else if l.truth("nospace") {
			l.s(": no space left")
		}
		switch l.str("action") {
		case "stop":
			l.s(", VM stopped")
		case "report":
			l.s(", reported to the guest")
		case "ignore":
			l.s(", ignored")
		default:
			l.s(", action ").v("action")
		}
	}},
	"BLOCK_JOB_ERROR": {KindFault, func(l *line) {
		l.s("job ").v("device").s(" ").v("operation").s(" error")
		switch l.str("action") {
		case "stop":
			l.s(", job paused")
		case "report":
			l.s(", job fails")
		case "ignore":
			l.s(", ignored, job goes on")
		default:
			l.s(", action ").v("action")
		}
	}},
	"BLOCK_IMAGE_CORRUPTED": {KindFault, func(l *line) {
		// QEMU sends an empty device for a node without a drive: name the node.
		switch {
		case l.str("device") == "" && l.has("node-name"):
			l.s("image of node ").v("node-name")
		case l.str("device") == "":
			l.s("image")
		default:
			l.s("image of ").v("device").opt(" (node ", "node-name")
			if l.has("node-name") {
				l.s(")")
			}
		}
		l.s(" corrupt: ").v("msg").opt(", at offset ", "offset").opt(", length ", "size")
		l.either("fatal", ", marked unusable", ", still usable")
	}},
	"WATCHDOG":       {KindFault, func(l *line) { l.s("watchdog expired; ").words("action", watchdogActions) }},
	"GUEST_PANICKED": {KindFault, func(l *line) { l.s("guest panicked; ").words("action", panicActions).info() }},
	"GUEST_CRASHLOADED": {KindFault, func(l *line) {
		l.s("guest crashed and loaded a crash kernel; ").words("action", panicActions).info()
	}},
	"QUORUM_FAILURE": {KindFault, func(l *line) {
		l.s("quorum ").v("reference").s(" failed: ").v("sectors-count").s(" sectors at sector ").v("sector-num")
	}},
	"QUORUM_REPORT_BAD": {KindFault, func(l *line) {
		l.s("quorum child ").v("node-name").s(" bad on ").v("type").s(" of ").v("sectors-count").s(" sectors at sector ").v("sector-num")
		if l.has("error") {
			l.s(": ").v("error")
		} else {
			l.s(": data differs from the other children")
		}
	}},
	"MEMORY_FAILURE": {KindFault, func(l *line) {
		l.s("hardware memory error in ")
		if l.str("recipient") == "hypervisor" {
			l.s("QEMU's own memory (hypervisor)")
		} else {
			l.v("recipient").s(" memory")
		}
		l.s(", action ").v("action")
		l.either("flags.action-required", ", must be handled now", ", not yet consumed")
		l.either("flags.recursive", ", while handling another", "")
	}},
	"DEVICE_UNPLUG_GUEST_ERROR": {KindFault, func(l *line) { l.s("guest failed to unplug ").dev() }},
	"MEM_UNPLUG_ERROR": {KindFault, func(l *line) {
		l.s("memory unplug of ").v("device").s(" failed: ").v("msg")
	}},
	"QMPWATCH_DISCONNECTED": {KindFault, func(l *line) {
		if l.ctx.Exited { // after a SHUTDOWN: QEMU quit, nothing is lost
			l.s("VM exited; monitor closed: ").v("reason")
			return
		}
		l.s("lost the monitor connection: ").v("reason").s("; events are lost until qmpwatch reconnects")
	}},

	// Connections.
	"VNC_CONNECTED": {KindConn, func(l *line) {
		l.s("VNC client ").addr("client", "service").s(" connected to ").addr("server", "service").vncAuth()
	}},
	"VNC_INITIALIZED": {KindConn, func(l *line) {
		l.s("VNC client ").addr("client", "service").s(" logged in to ").addr("server", "service").vncAuth().vncUser()
	}},
	"VNC_DISCONNECTED": {KindConn, func(l *line) {
		l.s("VNC client ").addr("client", "service").s(" disconnected from ").addr("server", "service").vncUser().lasted(", session lasted ")
	}},
	"SPICE_CONNECTED": {KindConn, func(l *line) {
		l.s("SPICE client ").addr("client", "port").s(" connected to ").addr("server", "port")
	}},
	"SPICE_DISCONNECTED": {KindConn, func(l *line) {
		l.s("SPICE ")
		if n := l.ctx.Channel; n > 0 && n < int64(len(spiceChannels)) && spiceChannels[n] != "" {
			l.s(spiceChannels[n]).s(" ")
		}
		l.s("channel closed, client ").addr("client", "port").s(" on ").addr("server", "port").lasted(", after ")
	}},
	"SPICE_INITIALIZED": {KindConn, func(l *line) {
		l.s("SPICE ").channel().s(" channel")
		if v, ok := l.get("client.channel-id"); !ok || v.Text != "0" {
			l.s(" ").v("client.channel-id")
		}
		l.s(" up, session ").v("client.connection-id").s(", client ").addr("client", "port").s(" on ").addr("server", "port")
		l.opt(", auth ", "server.auth")
		l.either("client.tls", ", TLS", ", no TLS")
	}},
	"SPICE_MIGRATE_COMPLETED": {KindConn, func(l *line) { l.s("SPICE client switched to the migration target") }},
	"NETDEV_STREAM_CONNECTED": {KindConn, func(l *line) {
		l.s("netdev ").v("netdev-id").s(" connected to ").sock("addr")
	}},
	"NETDEV_STREAM_DISCONNECTED": {KindConn, func(l *line) { l.s("netdev ").v("netdev-id").s(" lost its peer") }},
	"NETDEV_VHOST_USER_CONNECTED": {KindConn, func(l *line) {
		l.s("vhost-user netdev ").v("netdev-id").s(" connected through chardev ").v("chardev-id")
	}},
	"NETDEV_VHOST_USER_DISCONNECTED": {KindConn, func(l *line) {
		l.s("vhost-user netdev ").v("netdev-id").s(" disconnected")
	}},
	"VFU_CLIENT_HANGUP": {KindConn, func(l *line) {
		l.s("vfio-user client of ").v("vfu-id").s(" (").v("vfu-qom-path").s(") hung up, device ").v("dev-id").s(" (").v("dev-qom-path").s(")")
	}},
	"PR_MANAGER_STATUS_CHANGED": {KindConn, func(l *line) {
		l.s("persistent-reservation helper ").v("id").either("connected", " connected", " disconnected")
	}},
	"QMPWATCH_RECONNECTED": {KindConn, func(l *line) {
		l.s("monitor connection back after ").v("gap").s(" s without one: ").v("reason")
	}},

	// Jobs.
	"BLOCK_JOB_READY": {KindJob, func(l *line) {
		l.v("type").s(" job ").v("device").s(" in sync").progress().speed().s(": complete to pivot, cancel to keep the source")
	}},
	"BLOCK_JOB_COMPLETED": {KindJob, func(l *line) {
		l.v("type").s(" job ").v("device")
		if l.has("error") {
			l.s(" failed: ").v("error").s(",")
		} else {
			l.s(" completed")
		}
		l.progress()
		if l.ctx.Lasted > 0 { // how long it took says more than its speed limit
			l.lasted(", took ")
		} else {
			l.speed()
		}
	}},
	"BLOCK_JOB_CANCELLED": {KindJob, func(l *line) {
		l.v("type").s(" job ").v("device").s(" cancelled after ").size("offset").s(" of ").size("len").lasted(", ran ").speed()
	}},
	"BLOCK_JOB_PENDING": {KindJob, func(l *line) {
		l.v("type").s(" job ").v("id").s(" pending, ready to commit or abort")
	}},
	"JOB_STATUS_CHANGE": {KindJob, func(l *line) { l.s("job ").v("id").s(" ").words("status", jobStatuses) }},
	"MIGRATION":         {KindJob, func(l *line) { l.s("migration ").words("status", migrationStatuses) }},
	"MIGRATION_PASS":    {KindJob, func(l *line) { l.s("migration pass ").v("pass").s(" over dirty RAM") }},
	"DUMP_COMPLETED": {KindJob, func(l *line) {
		l.s("memory dump ").v("result.status").s(", ").size("result.completed").s(" of ").size("result.total").opt(": ", "error")
	}},
	"VFIO_MIGRATION": {KindJob, func(l *line) {
		l.s("VFIO device ").v("device-id").s(" (").v("qom-path").s(") migration state ").v("device-state")
	}},

	// Everything else.
	"ACPI_DEVICE_OST": {KindPlain, func(l *line) {
		l.s("guest ACPI _OST on ").v("info.slot-type").s(" slot ").v("info.slot").opt(" (", "info.device")
		if l.has("info.device") {
			l.s(")")
		}
		l.s(": source ").v("info.source").s(", status ").v("info.status")
	}},
	"BALLOON_CHANGE":       {KindPlain, func(l *line) { l.s("balloon resized, guest now has ").size("actual") }},
	"BLOCK_EXPORT_DELETED": {KindPlain, func(l *line) { l.s("block export ").v("id").s(" deleted") }},
	"BLOCK_WRITE_THRESHOLD": {KindPlain, func(l *line) {
		l.s("writes on ").v("node-name").s(" passed the ").size("write-threshold").s(" threshold by ").size("amount-exceeded")
	}},
	"COLO_EXIT": {KindPlain, func(l *line) {
		l.s("left COLO fault tolerance as ").v("mode").s(", reason ").v("reason")
	}},
	"CPU_POLARIZATION_CHANGE": {KindPlain, func(l *line) {
		l.s("guest asked for ").v("polarization").s(" CPU polarization")
	}},
	"DEVICE_DELETED": {KindPlain, func(l *line) { l.s("device ").dev().s(" removed") }},
	"DEVICE_TRAY_MOVED": {KindPlain, func(l *line) {
		l.s("tray of ").v("id")
		if l.str("device") != "" {
			l.s(" (").v("device").s(")")
		}
		l.either("tray-open", " opened", " closed")
	}},
	"FAILOVER_NEGOTIATED": {KindPlain, func(l *line) {
		l.s("failover negotiated on ").v("device-id").s(", its primary can be plugged")
	}},
	"HV_BALLOON_STATUS_REPORT": {KindPlain, func(l *line) {
		l.s("guest memory: ").size("committed").s(" committed, ").size("available").s(" available")
	}},
	"MEMORY_DEVICE_SIZE_CHANGE": {KindPlain, func(l *line) {
		l.s("memory device ")
		if l.has("id") {
			l.v("id").s(" ")
		}
		l.s("(").v("qom-path").s(") now provides ").size("size")
	}},
	"NIC_RX_FILTER_CHANGED": {KindPlain, func(l *line) {
		l.s("guest changed the receive filter of ")
		if l.has("name") {
			l.v("name").s(" (").v("path").s(")")
		} else {
			l.v("path")
		}
	}},
	"RDMA_GID_STATUS_CHANGED": {KindPlain, func(l *line) {
		l.s("RDMA GID ").either("gid-status", "added", "removed").s(" on ").v("netdev").
			s(", subnet prefix ").v("subnet-prefix").s(", interface id ").v("interface-id")
	}},
	"SCLP_CPI_INFO_AVAILABLE": {KindPlain, func(l *line) {
		l.s("guest stored its control-program identification (read it with query-s390x-cpi-info)")
	}},
	"RTC_CHANGE": {KindPlain, func(l *line) {
		// offset is the distance from the -rtc base clock, not the size of
		// the change.
		l.s("guest set its RTC")
		off, _ := l.get("offset")
		switch {
		case off.Text == "0":
			l.s(" to the -rtc base time")
		case strings.HasPrefix(off.Text, "-"):
			l.s(" to ").b = append(AppendSafe(l.b, off.Text[1:]), " s behind the -rtc base"...)
		default:
			l.s(" to ").v("offset").s(" s ahead of the -rtc base")
		}
		l.opt(" (", "qom-path")
		if l.has("qom-path") {
			l.s(")")
		}
	}},
	"UNPLUG_PRIMARY": {KindPlain, func(l *line) {
		l.s("failover primary ").v("device-id").s(" unplugged for migration")
	}},
	"VSERPORT_CHANGE": {KindPlain, func(l *line) {
		l.s("guest ").either("open", "opened", "closed").s(" virtio-serial port ").v("id")
	}},
}

// AppendSummary appends the one-line summary of ev, already safe for a
// terminal: the event's sentence, or key=value pairs for an event qmpwatch
// does not know.
func AppendSummary(dst []byte, ev *decode.Event) []byte {
	l := line{b: dst, d: ev.Data(), ctx: ev.Context}
	if e, ok := catalog[ev.Name]; ok {
		e.sum(&l)
		return l.b
	}
	return l.kv("").b
}

// Summary returns the one-line summary of ev (see AppendSummary).
func Summary(ev *decode.Event) string { return string(AppendSummary(nil, ev)) }

// HasSummary reports whether the event has a sentence of its own.
func HasSummary(name string) bool { _, ok := catalog[name]; return ok }

var spiceChannels = [...]string{1: "main", 2: "display", 3: "inputs", 4: "cursor", 5: "playback",
	6: "record", 7: "tunnel", 8: "smartcard", 9: "usbredir", 10: "port", 11: "webdav"}

// channel appends a SPICE channel type by name, or its number when unknown.
func (l *line) channel() *line {
	v, _ := l.get("client.channel-type")
	if n, ok := v.Int64(); ok && n > 0 && n < int64(len(spiceChannels)) {
		return l.s(spiceChannels[n])
	}
	return l.s("type ").v("client.channel-type")
}

func (l *line) vncAuth() *line {
	if l.has("server.auth") {
		l.s(" (auth ").v("server.auth").s(")")
	}
	return l
}

func (l *line) vncUser() *line {
	return l.opt(", user ", "client.sasl_username").opt(", certificate ", "client.x509_dname")
}

// progress appends a block job's progress: its size when done, otherwise
// how far it got.
func (l *line) progress() *line {
	off, _ := l.get("offset")
	n, _ := l.get("len")
	if off.Text == n.Text {
		return l.s(", ").size("len")
	}
	return l.s(" at ").size("offset").s(" of ").size("len")
}

// speed appends a block job's rate limit, when it has one.
func (l *line) speed() *line {
	if v, ok := l.get("speed"); ok && v.Text != "0" {
		l.s(", limited to ").size("speed").s("/s")
	}
	return l
}

// dev appends a device by id and QOM path, or the path alone.
func (l *line) dev() *line {
	if l.has("device") {
		return l.v("device").s(" (").v("path").s(")")
	}
	return l.v("path")
}

// info appends a guest panic's details as key=value pairs.
func (l *line) info() *line {
	if l.has("info") {
		l.s(", ").kv("info")
	}
	return l
}
