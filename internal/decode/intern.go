package decode

import (
	"bytes"
	"sync"
)

// The member names a QMP message is classified by, as constants, so that
// scanning a message allocates no string for them.
var knownKeys = []string{"event", "data", "timestamp", "vm", "id", "return", "error", "QMP", "cause"}

// key reads a member name. Known names come back as constants; others are
// allocated as usual.
func (p *parser) key() (string, error) {
	start := p.i + 1
	if err := p.skipStr(); err != nil {
		return "", err
	}
	raw := p.b[start : p.i-1]
	if bytes.IndexByte(raw, '\\') < 0 {
		for _, k := range knownKeys {
			if string(raw) == k {
				return k, nil
			}
		}
		return string(raw), nil
	}
	q := parser{b: p.b, i: start - 1}
	return q.str()
}

// names interns event names and VM labels: a log of a million events holds
// a few dozen distinct ones, and one shared string each spares the garbage
// collector a million small ones.
var names = struct {
	sync.RWMutex
	m map[string]string
}{m: map[string]string{}}

// maxInterned bounds the table against a hostile stream of unique names.
const maxInterned = 4096

// internedStr reads a string value and returns the interned copy.
func (p *parser) internedStr() (string, error) {
	start := p.i + 1
	if err := p.skipStr(); err != nil {
		return "", err
	}
	raw := p.b[start : p.i-1]
	if bytes.IndexByte(raw, '\\') >= 0 {
		q := parser{b: p.b, i: start - 1}
		return q.str()
	}
	names.RLock()
	s, ok := names.m[string(raw)]
	names.RUnlock()
	if ok {
		return s, nil
	}
	s = string(raw)
	names.Lock()
	if len(names.m) < maxInterned {
		names.m[s] = s
	}
	names.Unlock()
	return s, nil
}
