package source

import (
	"fmt"
	"sync"
)

// Twins notices one VM watched through two monitors at once (a glob or
// --dir that picks up both of its -qmp sockets): every event of it would
// show twice. Check it with each Status; it returns a warning the first
// time a VM's -name connects at a second address, and "" otherwise. It is
// safe for the concurrent Status callbacks of a Merge.
type Twins struct {
	mu     sync.Mutex
	at     map[string]string // -name → the address it is connected at
	name   map[string]string // address → -name
	warned map[string]bool
}

// Check records st and returns a one-line warning (without "qmpwatch: ")
// naming both paths, once per VM.
func (t *Twins) Check(st Status) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.at == nil {
		t.at, t.name, t.warned = map[string]string{}, map[string]string{}, map[string]bool{}
	}
	switch st.Kind {
	case Connected, Reconnected:
		if st.Name == "" {
			return "" // labelled by its socket: two sockets, two labels
		}
		t.name[st.Addr] = st.Name
		first, ok := t.at[st.Name]
		if !ok || first == st.Addr {
			t.at[st.Name] = st.Addr
			return ""
		}
		if t.warned[st.Name] {
			return ""
		}
		t.warned[st.Name] = true
		return fmt.Sprintf("warning: VM %s is watched twice, at %s and %s: each of its events shows twice (watch one of them)", st.Name, first, st.Addr)
	case Disconnected, Unreachable:
		if st.Retrying {
			return ""
		}
		// A monitor that is gone for good frees its VM's name (a VM
		// restarted with a new socket path is not a twin).
		if n, ok := t.name[st.Addr]; ok {
			delete(t.name, st.Addr)
			if t.at[n] == st.Addr {
				delete(t.at, n)
			}
		}
	}
	return ""
}
