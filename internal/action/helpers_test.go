package action

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/testkit/syncbuf"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// event makes the event NAME of vm with data (a JSON object or "").
func event(t *testing.T, vm, name string, seconds int, data string) *decode.Event {
	t.Helper()
	line := fmt.Sprintf(`{"event":%q,"timestamp":{"seconds":%d,"microseconds":123456}`, name, seconds)
	if data != "" {
		line += `,"data":` + data
	}
	m, err := decode.ScanMessage([]byte(line + "}"))
	if err != nil {
		t.Fatal(err)
	}
	return decode.NewEvent(&m, vm)
}

// syncBuffer is an ErrOut that keeps concurrent lines whole.
type syncBuffer = syncbuf.Buffer

// counts records what an engine counts (Options.Ran, Options.Dropped).
type counts struct {
	mu      sync.Mutex
	ran     map[string]int // "vm kind action result"
	dropped map[string]int // "vm kind"
}

func newCounts() *counts { return &counts{ran: map[string]int{}, dropped: map[string]int{}} }

func (c *counts) Ran(vm, kind, action, result string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ran[vm+" "+kind+" "+action+" "+result]++
}

func (c *counts) Dropped(vm, kind string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropped[vm+" "+kind] += n
}

func (c *counts) get(m map[string]int, k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return m[k]
}

// funcRunner is a Runner in Go, for the engine's own tests.
type funcRunner func(ctx context.Context, ev *Event) (string, error)

func (f funcRunner) Run(ctx context.Context, ev *Event) (string, error) { return f(ctx, ev) }
