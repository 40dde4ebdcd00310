package fleet

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/testkit/natstest"
)

// TestRefusedMessageCostsOnlyIt: one message the server or the stream can
// never take (too long a subject, too big a body) is dropped, counted with
// its reason and said once; the events of every other VM, before and after
// it, are all stored, in order. Before, the publisher resent the refused
// message forever and nothing after it was stored.
func TestRefusedMessageCostsOnlyIt(t *testing.T) {
	blob := strings.Repeat("x", 2<<20)
	cases := []struct {
		name   string
		bad    func() *decode.Event
		reason string
		// shrink: the stream's max_msg_size, set after the publisher
		// has seen the stream, so that only the acknowledgement says it.
		shrink int32
	}{
		{"2 MB event", func() *decode.Event {
			return event(t, `{"event": "STOP", "data": {"blob": "`+blob+`"}, "timestamp": {"seconds": 1, "microseconds": 0}}`, "big")
		}, ReasonTooLarge, 0},
		{"VM name of 700 é", func() *decode.Event { return numbered(t, strings.Repeat("é", 700), 0) }, ReasonSubjectTooLong, 0},
		{"5000-character event name", func() *decode.Event {
			return event(t, `{"event": "`+strings.Repeat("E", 5000)+`", "timestamp": {"seconds": 1, "microseconds": 0}}`, "big")
		}, ReasonSubjectTooLong, 0},
		{"over the stream's max_msg_size", func() *decode.Event {
			return event(t, `{"event": "STOP", "data": {"blob": "`+blob[:4000]+`"}, "timestamp": {"seconds": 1, "microseconds": 0}}`, "big")
		}, ReasonTooLarge, 2000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := natstest.Start(t, "") // max_payload 1 MB, max_control_line 4 KB
			stream := DefaultStream
			notes := &syncBuffer{}
			p, err := NewPublisher(PublisherOptions{Access: Access{URL: srv.URL()}, Host: "h", Stream: stream, Notes: notes})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close(0)
			p.Publish(numbered(t, "small", 0))
			flush(t, p, notes) // the stream exists, its limits are known
			if c.shrink > 0 {
				setMaxMsgSize(t, srv.URL(), stream, c.shrink)
			}
			p.Publish(c.bad())
			for n := 1; n < 500; n++ {
				p.Publish(numbered(t, "small", n))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := p.Flush(ctx); err != nil {
				t.Fatalf("publishing stopped at the refused message: %v; notes:\n%s", err, notes)
			}
			r := open(t, ReaderOptions{Access: Access{URL: srv.URL()}, Stream: stream, Since: time.Unix(0, 0)})
			checkOrder(t, readN(t, r, 500), map[string][]int{"h/small": seq(0, 500)})
			quiet(t, r)
			if p.Dropped() != 1 || p.DroppedByReason()[c.reason] != 1 || p.Acked() != 500 {
				t.Errorf("dropped %d %v, acked %d; want 1 %s, 500", p.Dropped(), p.DroppedByReason(), p.Acked(), c.reason)
			}
			said := notes.String()
			if strings.Count(said, "dropped an event") != 1 || !strings.Contains(said, c.reason) || strings.Contains(said, "unreachable") {
				t.Errorf("notes:\n%s", said)
			}
			if p.Problem() != "" {
				t.Errorf("problem: %s", p.Problem())
			}
		})
	}
}

func setMaxMsgSize(t *testing.T, url, stream string, size int32) {
	t.Helper()
	js := jsFor(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.CachedInfo().Config
	cfg.MaxMsgSize = size
	if _, err := js.UpdateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
}
