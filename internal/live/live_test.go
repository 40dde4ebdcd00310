package live_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/live"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/testkit/conntest"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// watch feeds one monitor's items to send through a Merge, as the
// commands do.
func watch(ctx context.Context, addr conn.Addr, o live.Options, send func(live.Item) bool) {
	f := live.NewFeed(o, send)
	m := source.New(ctx, f.SourceOptions(conn.Options{}))
	m.Dial(source.Target{Addr: addr})
	m.Seal()
	f.Run(ctx, m)
}

// A monitor with one mirror already running at connect: the seed has it,
// polling moves it on, and after BLOCK_JOB_COMPLETED polling stops. On the
// wire there is nothing but qmp_capabilities and query-*.
func TestPollingOnTheWire(t *testing.T) {
	var mu sync.Mutex
	polls, done := 0, false
	s := conntest.NewServer(t, func(p *conntest.Peer) error {
		if err := p.Handshake("vm1"); err != nil {
			return err
		}
		return p.Serve(conntest.Replies{
			"query-status": conntest.Return(conntest.Running),
			"query-jobs":   conntest.Return(`[{"id": "m1", "type": "mirror", "status": "running", "current-progress": 0, "total-progress": 50331648}]`),
			"query-block-jobs": func(p *conntest.Peer, c conntest.Command) error {
				mu.Lock()
				polls++
				n, over := polls, done
				mu.Unlock()
				if over {
					return p.Reply(c, `[]`)
				}
				p.Reply(c, fmt.Sprintf(`[{"device": "m1", "type": "mirror", "len": 50331648, "offset": %d, "speed": 8388608, "status": "running", "busy": true, "paused": false, "ready": false, "io-status": "ok"}]`, n<<20))
				if n == 4 {
					mu.Lock()
					done = true
					mu.Unlock()
					p.Event("BLOCK_JOB_COMPLETED", `{"device": "m1", "len": 50331648, "offset": 50331648, "speed": 8388608, "type": "mirror"}`)
				}
				return nil
			},
			"query-spice": conntest.NotFound,
			"query-vnc":   conntest.Return(`{"enabled": false}`),
			"*":           conntest.Return(`[]`),
		})
	})
	addr, _ := conn.ParseAddr(s.Addr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	items := make(chan live.Item, 64)
	go watch(ctx, addr, live.Options{Poll: true, Interval: 20 * time.Millisecond}, func(it live.Item) bool {
		select {
		case items <- it:
			return true
		case <-ctx.Done():
			return false
		}
	})
	jobs := track.NewJobs()
	var poller *live.Poller
	var offsets []string
	timeout := time.After(30 * time.Second)
	for ended := false; !ended; {
		select {
		case <-timeout:
			t.Fatalf("no end of the job; offsets %v", offsets)
		case it := <-items:
			switch {
			case it.Seed != nil:
				poller = it.Seed.Poller
				if len(it.Seed.Jobs) != 1 || it.Seed.Jobs[0].ID != "m1" || it.Seed.Jobs[0].Offset != "1048576" {
					// query-block-jobs at connect (the first reply) gives bytes.
					t.Fatalf("seed jobs = %+v, want m1 at offset 1 MiB", it.Seed.Jobs)
				}
				it.Seed.Apply(it.VM, jobs, nil)
			case it.Progress != nil:
				if it.Progress.Err != nil {
					t.Fatal(it.Progress.Err)
				}
				for _, j := range jobs.Poll(it.VM, it.Progress.At, it.Progress.Jobs) {
					offsets = append(offsets, j.Offset)
				}
			case it.Ev != nil:
				if _, ch := jobs.Observe(it.Ev); ch == track.Ended {
					ended = true
				}
			case it.Ended:
				t.Fatalf("the source ended: %v", it.Err)
			}
			poller.SetActive(jobs.RunningOn("vm1"))
		}
	}
	if strings.Join(offsets, " ") != "2097152 3145728 4194304" {
		t.Errorf("polled offsets %v, want 2, 3, 4 MiB", offsets)
	}
	// Inactive now: at most the poll already in flight still goes out.
	sent := poller.Sent()
	time.Sleep(300 * time.Millisecond) // 15 intervals
	if n := poller.Sent(); n > sent+1 {
		t.Errorf("%d polls after the job ended", n-sent)
	}
	cancel()
	cmds := s.Commands()
	if len(cmds) < 8 {
		t.Fatalf("commands %v", cmds)
	}
	for _, c := range cmds {
		if c != "qmp_capabilities" && !strings.HasPrefix(c, "query-") {
			t.Errorf("%q reached the wire", c)
		}
	}
}

// Without a job nothing is polled.
func TestNoPollingWithoutJobs(t *testing.T) {
	s := conntest.NewServer(t, func(p *conntest.Peer) error {
		if err := p.Handshake("vm1"); err != nil {
			return err
		}
		return p.Serve(conntest.Replies{
			"query-status": conntest.Return(`{"status": "running", "running": true}`),
			"*":            conntest.Return(`[]`),
		})
	})
	addr, _ := conn.ParseAddr(s.Addr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	seeded := make(chan *live.Seed, 1)
	go watch(ctx, addr, live.Options{Poll: true, Interval: 10 * time.Millisecond}, func(it live.Item) bool {
		if it.Seed != nil {
			seeded <- it.Seed
		}
		return ctx.Err() == nil
	})
	var seed *live.Seed
	select {
	case seed = <-seeded:
	case <-time.After(30 * time.Second):
		t.Fatal("no seed")
	}
	time.Sleep(200 * time.Millisecond)
	if n := seed.Poller.Sent(); n != 0 {
		t.Errorf("%d polls without a job", n)
	}
	for _, c := range s.Commands() {
		if c == "query-block-jobs" && seed.Poller.Sent() == 0 {
			continue // the one at connect
		}
		if c != "qmp_capabilities" && !strings.HasPrefix(c, "query-") {
			t.Errorf("%q reached the wire", c)
		}
	}
}
