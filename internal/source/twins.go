package source

import (
	"fmt"
	"sync"

	"github.com/qmpwatch/qmpwatch/internal/conn"
)

// Twins notices one VM watched through two monitors at once (a glob or
// --dir that picks up both of its -qmp sockets): every event of it would
// show twice. A VM is known by its -name, or, without one, by its -uuid
// (Learn). Check it with each Status; it returns a warning the first time
// a VM connects at a second address, and "" otherwise. It is safe for the
// concurrent Attach and Status callbacks of a Merge.
type Twins struct {
	mu     sync.Mutex
	uuid   map[string]string // address → the -uuid Learn found
	at     map[string]string // VM identity → the address it is connected at
	id     map[string]string // address → VM identity
	warned map[string]bool
}

func (t *Twins) init() {
	if t.at == nil {
		t.uuid, t.at, t.id, t.warned = map[string]string{}, map[string]string{}, map[string]string{}, map[string]bool{}
	}
}

// Learn asks the VM behind c for its -uuid when it has no -name (two
// monitors of one VM share both, so the name is enough when there is one),
// for the Check of its Connected status. Use it in Options.Attach, which
// runs before that status; a VM that will not say keeps its socket's label.
func (t *Twins) Learn(c *conn.Client) {
	if c.Name() != "" {
		return
	}
	u, err := c.VMUUID()
	if err != nil || u == "" {
		return
	}
	t.SetUUID(c.Addr().String(), u)
}

// SetUUID records that the VM at addr has the -uuid u.
func (t *Twins) SetUUID(addr, u string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.init()
	t.uuid[addr] = u
}

// Check records st and returns a one-line warning (without "qmpwatch: ")
// naming both paths, once per VM.
func (t *Twins) Check(st Status) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.init()
	switch st.Kind {
	case Connected, Reconnected:
		id, who := "name "+st.Name, st.Name
		if st.Name == "" {
			u := t.uuid[st.Addr]
			if u == "" {
				return "" // labelled by its socket: two sockets, two labels
			}
			id, who = "uuid "+u, "with UUID "+u
		}
		t.id[st.Addr] = id
		first, ok := t.at[id]
		if !ok || first == st.Addr {
			t.at[id] = st.Addr
			return ""
		}
		if t.warned[id] {
			return ""
		}
		t.warned[id] = true
		return fmt.Sprintf("warning: VM %s is watched twice, at %s and %s: each of its events shows twice (watch one of them)", who, first, st.Addr)
	case Disconnected, Unreachable:
		if st.Retrying {
			return ""
		}
		// A monitor that is gone for good frees its VM (a VM restarted
		// with a new socket path is not a twin).
		delete(t.uuid, st.Addr)
		if id, ok := t.id[st.Addr]; ok {
			delete(t.id, st.Addr)
			if t.at[id] == st.Addr {
				delete(t.at, id)
			}
		}
	}
	return ""
}
