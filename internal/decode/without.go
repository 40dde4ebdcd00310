package decode

import "sort"

// WithoutVM returns the message's raw JSON with every top-level "vm" member
// removed (a new slice; Raw is left alone), or Raw itself when it has none.
// A live monitor has no business naming the VM: qmpwatch's label comes from
// the address, query-name or --label, so a "vm" that a monitor sends is
// dropped before it could pass for that label.
func (m *Message) WithoutVM() []byte { return m.without(m.vmSpans) }

// WithVMHost returns the message's raw JSON with exactly one top-level "vm"
// and one "host" member, these values, last; changed is false (and raw is
// Raw) when it already has them, once each. A fleet reader takes the VM
// and host from the message's subject, which the server's permissions
// protect, and never from the body, which any publisher writes.
func (m *Message) WithVMHost(vm, host string) (raw []byte, changed bool) {
	if len(m.vmSpans) == 1 && len(m.hostSpans) == 1 && m.hasHost && m.VM == vm && m.Host == host {
		return m.Raw, false
	}
	spans := make([][2]int, 0, len(m.vmSpans)+len(m.hostSpans))
	spans = append(append(spans, m.vmSpans...), m.hostSpans...)
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	raw = m.without(spans)
	if len(raw) == len(m.Raw) {
		raw = append([]byte(nil), raw...) // never Raw's own array
	}
	end := lastNonSpace(raw) // the closing brace
	raw = raw[:lastNonSpace(raw[:end])+1]
	if raw[len(raw)-1] != '{' {
		raw = append(raw, ',')
	}
	raw = append(raw, `"vm":`...)
	raw = AppendQuote(raw, vm)
	raw = append(raw, `,"host":`...)
	raw = AppendQuote(raw, host)
	return append(raw, '}'), true
}

// without is Raw with the members at spans (in order) removed.
func (m *Message) without(spans [][2]int) []byte {
	if len(spans) == 0 {
		return m.Raw
	}
	out := make([]byte, 0, len(m.Raw))
	prev := 0
	for _, sp := range spans {
		start, end := sp[0], sp[1]
		// Take the separating comma with the member: the one before it, or
		// (for the first member) the one after it.
		if j := lastNonSpace(m.Raw[:start]); j >= 0 && m.Raw[j] == ',' && j >= prev {
			start = j
		} else if k := firstNonSpace(m.Raw, end); k < len(m.Raw) && m.Raw[k] == ',' {
			end = k + 1
		}
		out = append(out, m.Raw[prev:start]...)
		prev = end
	}
	return append(out, m.Raw[prev:]...)
}

func lastNonSpace(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if !isSpace(b[i]) {
			return i
		}
	}
	return -1
}

func firstNonSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}
