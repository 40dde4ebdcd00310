package live_test

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/live"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/testkit/conntest"
)

// collect runs a Feed over a Merge of targets until its Final item.
func collect(t *testing.T, targets ...source.Target) []live.Item {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	items := make(chan live.Item, 64)
	f := live.NewFeed(live.Options{}, func(it live.Item) bool {
		select {
		case items <- it:
			return true
		case <-ctx.Done():
			return false
		}
	})
	m := source.New(ctx, f.SourceOptions(conn.Options{}))
	for _, tg := range targets {
		m.Dial(tg)
	}
	m.Seal()
	go f.Run(ctx, m)
	var out []live.Item
	for {
		select {
		case it := <-items:
			out = append(out, it)
			if it.Final {
				return out
			}
		case <-ctx.Done():
			t.Fatalf("no final item; got %+v", out)
		}
	}
}

// A monitor seeded at connect, one event, then QEMU closes: the seed comes
// with the Connected status, before the event; the end of the session is
// clean; the stream ends at the end of the input.
func TestFeedOneSession(t *testing.T) {
	s := conntest.NewServer(t, func(p *conntest.Peer) error {
		if err := p.Handshake("vm1"); err != nil {
			return err
		}
		return p.Serve(conntest.Replies{
			"query-status": conntest.Return(conntest.Running),
			"query-vnc":    conntest.Return(`{"enabled": false}`),
			"query-spice": func(p *conntest.Peer, c conntest.Command) error { // the last seeding query
				p.Reply(c, `{"enabled": false, "migrated": false}`)
				p.Event("STOP", "")
				return conntest.Done
			},
			"*": conntest.Return(`[]`),
		})
	})
	addr, _ := conn.ParseAddr(s.Addr)
	items := collect(t, source.Target{Addr: addr})
	seed, ev, ended := -1, -1, -1
	for i, it := range items {
		switch {
		case it.Seed != nil:
			seed = i
			if it.Status == nil || it.Status.Kind != source.Connected || it.VM != "vm1" ||
				it.Seed.RunState.Status != "running" || it.Seed.Name != "vm1" || it.Seed.Poller != nil {
				t.Errorf("seed item %+v (seed %+v)", it, it.Seed)
			}
		case it.Ev != nil:
			ev = i
			if it.Ev.Name != "STOP" || it.VM != "vm1" {
				t.Errorf("event item %+v", it)
			}
		case it.Ended:
			ended = i
			if it.Err != nil {
				t.Errorf("QEMU closing the monitor is a clean end, got %v", it.Err)
			}
		}
	}
	if !(seed >= 0 && seed < ev && ev < ended) {
		t.Fatalf("items out of order (seed %d, event %d, end %d): %+v", seed, ev, ended, items)
	}
	if last := items[len(items)-1]; !errors.Is(last.Err, io.EOF) {
		t.Errorf("final %v, want the end of the input", last.Err)
	}
}

// A socket that is not there: an Unreachable failure, and the stream ends
// with the count of failed sources.
func TestFeedUnreachable(t *testing.T) {
	addr := conn.Addr{Network: "unix", Address: filepath.Join(t.TempDir(), "none.qmp")}
	items := collect(t, source.Target{Addr: addr})
	if len(items) != 2 || items[0].Status == nil || items[0].Status.Kind != source.Unreachable || !items[0].Status.Failure {
		t.Fatalf("items %+v, want an Unreachable status, then the end", items)
	}
	var fe *source.FailedError
	if !errors.As(items[1].Err, &fe) || fe.Failed != 1 {
		t.Errorf("final %v, want 1 of 1 sources failed", items[1].Err)
	}
}
