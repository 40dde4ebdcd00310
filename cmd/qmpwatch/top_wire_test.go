package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/testkit/conntest"
)

// pollingVM is a monitor with a mirror running; it answers every query and
// counts the polls of query-block-jobs.
func pollingVM(t *testing.T) (*conntest.Server, func() int) {
	var mu sync.Mutex
	polls := 0
	s := conntest.NewServer(t, func(p *conntest.Peer) error {
		if err := p.Handshake("vm-wire"); err != nil {
			return err
		}
		return p.Serve(conntest.Replies{
			"query-status": conntest.Return(conntest.Running),
			"query-block-jobs": func(p *conntest.Peer, c conntest.Command) error {
				mu.Lock()
				polls++
				n := polls
				mu.Unlock()
				return p.Reply(c, fmt.Sprintf(`[{"device": "m1", "type": "mirror", "len": 67108864, "offset": %d, "speed": 0, "status": "running"}]`, n<<20))
			},
			"query-vnc":   conntest.Return(`{"enabled": false}`),
			"query-spice": conntest.Return(`{"enabled": false, "migrated": false}`),
			"*":           conntest.Return(`[]`),
		})
	})
	return s, func() int {
		mu.Lock()
		defer mu.Unlock()
		return polls
	}
}

func waitPolls(t *testing.T, polls func() int, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for polls() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d polls", polls())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func onlyReadOnly(t *testing.T, cmds []string) {
	t.Helper()
	for _, c := range cmds {
		if c != "qmp_capabilities" && !strings.HasPrefix(c, "query-") {
			t.Errorf("%q reached the wire", c)
		}
	}
}

// top and jobs, polling a running job: on the wire, only
// qmp_capabilities and query-* commands.
func TestTopAndJobsPollReadOnly(t *testing.T) {
	t.Run("top", func(t *testing.T) {
		s, polls := pollingVM(t)
		keys, typed := io.Pipe()
		out, errOut := &syncBuffer{}, &syncBuffer{}
		streams := &iostreams.Streams{In: keys, Out: out, ErrOut: errOut, OutTTY: true}
		done := make(chan int, 1)
		go func() {
			done <- run(context.Background(), []string{"top", "--interval", "20ms", "--color", "never", s.Addr}, streams)
		}()
		waitPolls(t, polls, 5)
		waitFor(t, out, "mirror m1")
		typed.Write([]byte("q"))
		if code := <-done; code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		onlyReadOnly(t, s.Commands())
	})
	t.Run("jobs", func(t *testing.T) {
		s, polls := pollingVM(t)
		out, errOut := &syncBuffer{}, &syncBuffer{}
		streams := &iostreams.Streams{In: strings.NewReader(""), Out: out, ErrOut: errOut}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int, 1)
		go func() { done <- run(ctx, []string{"jobs", "--interval", "20ms", s.Addr}, streams) }()
		waitPolls(t, polls, 5)
		waitFor(t, out, `"change":"progress"`)
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		onlyReadOnly(t, s.Commands())
	})
}
