package decode

// WithoutVM returns the message's raw JSON with every top-level "vm" member
// removed (a new slice; Raw is left alone), or Raw itself when it has none.
// A live monitor has no business naming the VM: qmpwatch's label comes from
// the address, query-name or --label, so a "vm" that a monitor sends is
// dropped before it could pass for that label.
func (m *Message) WithoutVM() []byte {
	if len(m.vmSpans) == 0 {
		return m.Raw
	}
	out := make([]byte, 0, len(m.Raw))
	prev := 0
	for _, sp := range m.vmSpans {
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
