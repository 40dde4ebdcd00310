package source

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// A monitor that answers a new query-name at every reconnect introduces
// at most MaxNames VMs; then it keeps its socket's label, said once on the
// status line. A name it answered before is still its own.
func TestOneSocketIntroducesFewNames(t *testing.T) {
	const sessions = 3 * MaxNames
	p := sockPath(t, "shifty.qmp")
	var n atomic.Int32
	fakeAt(t, p, func(c net.Conn) error {
		i := int(n.Add(1))
		name := fmt.Sprintf("vm-%d", i)
		if i == sessions {
			name = "vm-1" // back to its first name
		}
		return qemuSide(c, name, []string{event("STOP", i)}, false)
	})
	var mu sync.Mutex
	var notes []string
	ctx, cancel := context.WithCancel(t.Context())
	m := New(ctx, Options{Backoff: fastBackoff, Status: func(s Status) {
		mu.Lock()
		defer mu.Unlock()
		if s.Kind == Connected || s.Kind == Reconnected {
			notes = append(notes, s.VM+"|"+s.Note)
		}
	}})
	m.Dial(Target{Addr: unixAddr(p), Reconnect: true})
	m.Seal()
	labels := map[string]int{}
	var order []string
	for len(order) < sessions {
		ev, err := m.Next(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		labels[ev.VM]++
		order = append(order, ev.VM)
	}
	cancel()
	m.Wait()
	if len(labels) != MaxNames+1 || labels["shifty"] != sessions-MaxNames-1 {
		t.Errorf("labels %v, want vm-1..vm-%d and the socket's", labels, MaxNames)
	}
	if last := order[sessions-1]; last != "vm-1" {
		t.Errorf("a name seen before labels its VM again: got %s", last)
	}
	said := 0
	for _, note := range notes {
		if strings.Contains(note, "is not used") {
			said++
			if !strings.HasPrefix(note, `shifty|; its name "vm-5" is not used`) {
				t.Errorf("note %q", note)
			}
		}
	}
	if said != 1 {
		t.Errorf("said %d times, want once: %q", said, notes)
	}
}
