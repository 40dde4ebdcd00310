// Package syncbuf is a test helper: a buffer that goroutines and child
// processes write while the test reads it (stderr notes, a child's output).
package syncbuf

import (
	"bytes"
	"strings"
	"sync"
)

// Buffer is a bytes.Buffer behind a lock; its zero value is ready.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// WriteString appends x.
func (s *Buffer) WriteString(x string) { s.Write([]byte(x)) }

func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Lines is what was written, split into lines (without the last newline).
func (s *Buffer) Lines() []string {
	return strings.Split(strings.TrimSuffix(s.String(), "\n"), "\n")
}
