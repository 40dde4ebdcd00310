package decode

import "time"

// Event is one QMP event: the single value that flows from a source (a
// socket, a log file) through validation, filters and renderers. Everything
// downstream reads it; nothing downstream parses JSON again.
type Event struct {
	Name    string
	Seconds int64 // QEMU's timestamp; -1 and -1 mean QEMU could not read its clock
	Micros  int64
	VM      string // the VM's label: its -name, the socket's base name, or --label
	Raw     []byte // the event object exactly as received
	HasVM   bool   // Raw already carries a "vm" member (a qmpwatch json line)
	DataRaw []byte // raw JSON of the "data" member, nil when absent
	// HasCause: Raw already carries a "cause" member (an --annotate line).
	HasCause bool
	// QEMU is the version of the QEMU that sent the event, from the greeting
	// of its connection or of its transcript; zero when unknown. The source
	// sets it, and the schema check judges the event as that version.
	QEMU Version

	// Check is the validation result against the schema, set by a Validator.
	Check Check
	// Cause names the earlier event this one is a documented follow-up of,
	// e.g. "write error on ide0-hd1" for a STOP; set by track.Causes.
	Cause string
	// CausedBy is the name of the event Cause describes (BLOCK_IO_ERROR),
	// set with it; a log record's severity may depend on it.
	CausedBy string
	// Context is what earlier events of the VM tell about this one (a job's
	// or session's length, say); set by track.Causes, read by summaries.
	Context Context

	data    Value
	decoded bool
	// The size of the data's tree, when the scan that found it counted.
	dataMembers, dataItems int32
}

// NewEvent makes an Event from a scanned event message. Raw is referenced,
// not copied: the caller hands over a buffer it will not reuse.
func NewEvent(m *Message, vm string) *Event {
	e := &Event{Name: m.Event, Seconds: m.Seconds, Micros: m.Micros, Raw: m.Raw, DataRaw: m.Data, VM: vm}
	if !m.HasTime {
		e.Seconds, e.Micros = -1, -1
	}
	if m.HasVM {
		e.VM, e.HasVM = m.VM, true
	}
	e.HasCause = m.HasCause
	e.dataMembers, e.dataItems = int32(m.dataMembers), int32(m.dataItems)
	return e
}

// Time is the event's timestamp, or the zero time when QEMU had none.
func (e *Event) Time() time.Time {
	if e.Seconds < 0 || e.Micros < 0 {
		return time.Time{}
	}
	return time.Unix(e.Seconds, e.Micros*1000)
}

// Data returns the decoded "data" member (an empty object when absent). It is
// decoded on first use, so events that a name filter drops never pay for it.
func (e *Event) Data() Value {
	if !e.decoded {
		e.decoded = true
		if e.DataRaw == nil {
			e.data = Value{Kind: Object}
		} else {
			// DataRaw was validated by ScanMessage, so Parse cannot fail here.
			e.data, _ = parseOwned(e.DataRaw, int(e.dataMembers), int(e.dataItems))
		}
	}
	return e.data
}

// Object returns the whole event as jq sees it: event, data, timestamp and vm.
func (e *Event) Object() map[string]any {
	m := map[string]any{
		"event":     e.Name,
		"timestamp": map[string]any{"seconds": int(e.Seconds), "microseconds": int(e.Micros)},
	}
	if e.DataRaw != nil {
		m["data"] = e.Data().Interface()
	}
	if e.VM != "" {
		m["vm"] = e.VM
	}
	return m
}
