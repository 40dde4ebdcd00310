package proxy

import (
	"bytes"
	"encoding/json"
)

// The errors the proxy answers itself, in QEMU 7.2's words (class and
// text checked against a real QEMU by TestQEMUNegotiation), so that a
// client cannot tell it from QEMU's own socket.
const (
	classNotFound = "CommandNotFound"
	classGeneric  = "GenericError"

	descNotNegotiated = "Expecting capabilities negotiation with 'qmp_capabilities'"
	descNegotiated    = "Capabilities negotiation is already complete, command ignored"
	descNotObject     = "QMP input must be a JSON object"
	// QEMU names what its parser expected; the proxy only says the JSON
	// is malformed, with QEMU's prefix.
	descParse = "JSON parse error, invalid JSON"
)

// errorReply is QEMU's error reply, with the client's own id when it gave
// one (QEMU puts the id first in errors).
func errorReply(id []byte, class, desc string) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	if id != nil {
		b.WriteString(`"id": `)
		b.Write(id)
		b.WriteString(", ")
	}
	b.WriteString(`"error": {"class": `)
	b.Write(quote(class))
	b.WriteString(`, "desc": `)
	b.Write(quote(desc))
	b.WriteString("}}")
	return b.Bytes()
}

// emptyReturn is the reply to qmp_capabilities.
func emptyReturn(id []byte) []byte {
	if id == nil {
		return []byte(`{"return": {}}`)
	}
	return append(append([]byte(`{"return": {}, "id": `), id...), '}')
}

// quote is s as a JSON string, without Go's HTML escaping (QEMU writes
// 'qmp_capabilities', not \u0027).
func quote(s string) []byte {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	e.Encode(s)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
