package source

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// listStream is an EventStream of fixed events, then err.
type listStream struct {
	evs []*decode.Event
	err error
}

func (l *listStream) Next(ctx context.Context) (*decode.Event, error) {
	if len(l.evs) == 0 {
		return nil, l.err
	}
	ev := l.evs[0]
	l.evs = l.evs[1:]
	return ev, nil
}

func streamEvent(t *testing.T, name, vm string) *decode.Event {
	m, err := decode.ScanMessage([]byte(`{"event": "` + name + `", "timestamp": {"seconds": 1, "microseconds": 0}}`))
	if err != nil {
		t.Fatal(err)
	}
	return decode.NewEvent(&m, vm)
}

func TestStreamSource(t *testing.T) {
	for _, c := range []struct {
		end     error
		failure bool
	}{{io.EOF, false}, {errors.New("consumer deleted"), true}} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		log := &statusLog{}
		m := New(ctx, Options{Status: log.add})
		m.StreamVM("nats://x")("h/vm1", decode.Version{Major: 7, Minor: 2})
		m.Stream("nats://x", &listStream{evs: []*decode.Event{streamEvent(t, "STOP", "h/vm1"), streamEvent(t, "RESUME", "h/vm1")}, err: c.end})
		m.Seal()
		var names []string
		var err error
		for {
			var ev *decode.Event
			if ev, err = m.Next(ctx); err != nil {
				break
			}
			names = append(names, ev.Name)
		}
		cancel()
		m.Wait()
		if len(names) != 2 || names[0] != "STOP" || names[1] != "RESUME" {
			t.Errorf("%v: events %v", c.end, names)
		}
		var fe *FailedError
		if c.failure != errors.As(err, &fe) || !c.failure && !errors.Is(err, ErrEnded) {
			t.Errorf("%v: ended with %v", c.end, err)
		}
		if log.list[0].Kind != Connected || log.list[0].VM != "h/vm1" || log.list[0].QEMU.String() != "7.2.0" {
			t.Errorf("%v: statuses %s", c.end, log)
		}
		if c.failure && (len(log.list) != 2 || log.list[1].Kind != Unreachable || !log.list[1].Failure) {
			t.Errorf("%v: statuses %s", c.end, log)
		}
	}
}
