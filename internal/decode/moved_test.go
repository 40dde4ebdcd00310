package decode

import (
	"bytes"
	"testing"
)

// A moved message's data is the same bytes, read from the copy: the
// original buffer may be overwritten without touching it.
func TestMessageMovedTo(t *testing.T) {
	buf := []byte(`{"event": "X", "data": {"a": 1}, "timestamp": {"seconds": 1, "microseconds": 2}}`)
	m, err := ScanMessage(buf)
	if err != nil {
		t.Fatal(err)
	}
	cp := m.MovedTo(append([]byte(nil), buf...))
	for i := range buf {
		buf[i] = 'z'
	}
	if !bytes.Equal(cp.Data, []byte(`{"a": 1}`)) || cp.Raw[0] != '{' {
		t.Errorf("moved data %q, raw %q", cp.Data, cp.Raw)
	}
	none, _ := ScanMessage([]byte(`{"event": "Y", "timestamp": {"seconds": 1, "microseconds": 2}}`))
	if got := none.MovedTo([]byte(`{"event": "Y", "timestamp": {"seconds": 1, "microseconds": 2}}`)); got.Data != nil {
		t.Errorf("data appeared: %q", got.Data)
	}
}
