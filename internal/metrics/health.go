package metrics

import (
	"fmt"
	"sort"
	"sync"

	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// Health says whether every configured source is reachable, or retrying as
// configured. A configured source is an address given on the command line
// or in the config file, the --dir folder, or the listen socket; the sockets
// a folder watch finds and the VMs that dial in come and go on their own,
// so their ends are not failures.
type Health struct {
	mu      sync.Mutex
	sources map[string]string // configured address → "" when fine, else the problem
	// watchers are the folder and listen addresses: only their own
	// failures (Unreachable) count, not the sessions found through them,
	// which a listener reports under its own address.
	watchers map[string]bool
	// also: checks that are not sources (the fleet publisher), each
	// returning its problem or "".
	also []func() string
}

// NewHealth returns a Health for the configured addresses, each as the
// source package reports it in Status.Addr.
func NewHealth(configured ...string) *Health {
	h := &Health{sources: map[string]string{}, watchers: map[string]bool{}}
	for _, a := range configured {
		h.sources[a] = ""
	}
	return h
}

// Watch adds a --dir folder or a --listen address: it is unhealthy only
// when it fails itself and gives up.
func (h *Health) Watch(addr string) {
	h.mu.Lock()
	h.sources[addr] = ""
	h.watchers[addr] = true
	h.mu.Unlock()
}

// Status records a connection change of any source.
func (h *Health) Status(st source.Status) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.sources[st.Addr]; !ok {
		return
	}
	if h.watchers[st.Addr] && st.Kind != source.Unreachable {
		return // a VM found through the folder or the listener
	}
	problem := ""
	switch st.Kind {
	case source.Disconnected, source.Unreachable:
		if !st.Retrying {
			problem = "not connected and not retrying"
			if st.Err != nil {
				problem += ": " + st.Err.Error()
			}
		}
	}
	h.sources[st.Addr] = problem
}

// Also adds a check that is not a source, such as the fleet publisher's
// Problem: its text, "" while all is well.
func (h *Health) Also(problem func() string) {
	h.mu.Lock()
	h.also = append(h.also, problem)
	h.mu.Unlock()
}

// Check returns nil when all is well, else one line per failed source.
func (h *Health) Check() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for a, p := range h.sources {
		if p != "" {
			out = append(out, render.Safe(fmt.Sprintf("%s: %s", a, p)))
		}
	}
	for _, f := range h.also {
		if p := f(); p != "" {
			out = append(out, render.Safe(p))
		}
	}
	sort.Strings(out)
	return out
}
