package conn_test

import (
	"context"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/testkit/conntest"
)

// TestMoreSaysWhatIsBuffered: More is true exactly while Next can return
// without the socket, answers the replies it passes on the way, and keeps
// the order of events; a message still arriving is not "more".
func TestMoreSaysWhatIsBuffered(t *testing.T) {
	release := make(chan struct{})
	s := conntest.NewServer(t, func(p *conntest.Peer) error {
		if err := p.Greet(); err != nil {
			return err
		}
		q, err := p.Expect("query-status")
		if err != nil {
			return err
		}
		ev := func(name string) string {
			return `{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "` + name + `"}` + "\r\n"
		}
		// One write: two events, the reply, a third event, and the start
		// of a fourth.
		if err := p.Send(ev("STOP") + ev("RESUME") + `{"return": {"status": "running"}, "id": ` + string(q.ID) + "}\r\n" +
			ev("RESET") + `{"timestamp": {"seconds": 1, "micro`); err != nil {
			return err
		}
		<-release
		if err := p.Send(`seconds": 3}, "event": "POWERDOWN"}` + "\r\n"); err != nil {
			return err
		}
		p.WaitClosed()
		return nil
	})
	c, err := dial(t, s, conn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	answered := make(chan string, 1)
	if err := c.QueryAsync("query-status", nil, func(ret []byte, err error) { answered <- string(ret) }); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	next := func(want string) {
		t.Helper()
		ev, err := c.Next(ctx)
		if err != nil || ev.Name != want {
			t.Fatalf("Next = %v, %v; want %s", ev, err, want)
		}
	}
	next("STOP") // this read brings the whole write
	if !c.More() {
		t.Fatal("More = false with RESUME buffered")
	}
	next("RESUME")
	if !c.More() {
		t.Fatal("More = false with a reply and RESET buffered")
	}
	select {
	case ret := <-answered:
		if ret != `{"status": "running"}` {
			t.Errorf("the reply More passed on = %s", ret)
		}
	default:
		t.Error("More went past the reply without answering it")
	}
	next("RESET")
	if c.More() {
		t.Fatal("More = true with only part of POWERDOWN buffered")
	}
	close(release)
	next("POWERDOWN")
}
