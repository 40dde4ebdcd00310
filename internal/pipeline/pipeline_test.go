package pipeline

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/filter"
	"github.com/qmpwatch/qmpwatch/internal/render"
)

// sliceSource yields its events, then io.EOF, or blocks until ctx is done
// when hang is set.
type sliceSource struct {
	evs  []*decode.Event
	hang bool
}

func (s *sliceSource) Next(ctx context.Context) (*decode.Event, error) {
	if len(s.evs) == 0 {
		if s.hang {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return nil, io.EOF
	}
	ev := s.evs[0]
	s.evs = s.evs[1:]
	return ev, nil
}

func event(t *testing.T, line, vm string, v decode.Version) *decode.Event {
	t.Helper()
	m, err := decode.ScanMessage([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	ev := decode.NewEvent(&m, vm)
	ev.QEMU = v
	return ev
}

const (
	stop = `{"timestamp": {"seconds": 1700000000, "microseconds": 1}, "event": "STOP"}`
	cont = `{"timestamp": {"seconds": 1700000001, "microseconds": 2}, "event": "RESUME"}`
	// DEVICE_TRAY_MOVED's "id" appeared in QEMU 2.8.
	tray = `{"timestamp": {"seconds": 1700000002, "microseconds": 3}, "event": "DEVICE_TRAY_MOVED", "data": {"device": "cd0", "tray-open": true}}`
)

func newTest(t *testing.T, o Options) (*Pipeline, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	o.Out, o.ErrOut = out, errOut
	if o.Render.Format == "" {
		o.Render.Format = "json"
	}
	if o.Schema == "" {
		o.Schema = "builtin"
	}
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p, out, errOut
}

func TestRunCountUntilAndEnd(t *testing.T) {
	tests := []struct {
		name  string
		o     Options
		lines int
		code  int // 0: nil error
	}{
		{"all", Options{}, 3, 0},
		{"count", Options{Count: 2}, 2, 0},
		{"until", Options{Until: "resume"}, 2, 0},
		{"count not reached", Options{Count: 5}, 3, exitcode.Timeout},
		{"filtered", Options{Filter: filter.Spec{Events: []string{"RESUME"}}}, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, out, _ := newTest(t, tt.o)
			src := &sliceSource{evs: []*decode.Event{event(t, stop, "vm1", decode.Version{}), event(t, cont, "vm1", decode.Version{}), event(t, stop, "vm1", decode.Version{})}}
			err := p.Run(context.Background(), src)
			code := 0
			var ce interface{ ExitCode() int }
			if errors.As(err, &ce) {
				code = ce.ExitCode()
			} else if err != nil {
				t.Fatalf("error without a code: %v", err)
			}
			if code != tt.code {
				t.Errorf("exit code %d (%v), want %d", code, err, tt.code)
			}
			if n := strings.Count(out.String(), "\n"); n != tt.lines {
				t.Errorf("%d lines, want %d:\n%s", n, tt.lines, out)
			}
		})
	}
}

func TestRunTimeout(t *testing.T) {
	p, _, _ := newTest(t, Options{Count: 2, Timeout: 50 * time.Millisecond})
	err := p.Run(context.Background(), &sliceSource{evs: []*decode.Event{event(t, stop, "vm1", decode.Version{})}, hang: true})
	var pe *exitcode.Coded
	if !errors.As(err, &pe) || pe.ExitCode() != exitcode.Timeout || !strings.Contains(err.Error(), "1 of 2 events") {
		t.Errorf("got %v, want a timeout after 1 of 2 events", err)
	}
}

func TestRunCancelledIsNormal(t *testing.T) {
	p, _, _ := newTest(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Run(ctx, &sliceSource{hang: true}); err != nil {
		t.Errorf("cancelled run: %v", err)
	}
}

// The schema check judges each event as the QEMU its source says sent it.
func TestSchemaUsesEventVersion(t *testing.T) {
	for _, tt := range []struct {
		v        decode.Version
		reported bool
	}{
		{decode.Version{Major: 7, Minor: 2}, true},
		{decode.Version{Major: 2, Minor: 5}, false},
		{decode.Version{}, false},
	} {
		p, _, errOut := newTest(t, Options{})
		if err := p.Run(context.Background(), &sliceSource{evs: []*decode.Event{event(t, tray, "vm1", tt.v)}}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(errOut.String(), "vm1: DEVICE_TRAY_MOVED:"); got != tt.reported {
			t.Errorf("QEMU %s: reported %v, want %v: %q", tt.v, got, tt.reported, errOut)
		}
	}
}

// An event Check already judged (serve checks every event in its source's
// goroutine, before the -o json filters) is not validated again by Emit:
// the judgement stands, and a violation found there is reported once.
func TestCheckedEventsAreNotValidatedAgain(t *testing.T) {
	p, _, errOut := newTest(t, Options{})
	judged := event(t, tray, "vm1", decode.Version{Major: 7, Minor: 2})
	judged.Check = decode.Check{Checked: true} // as if a schema had passed it
	violating := event(t, tray, "vm2", decode.Version{Major: 7, Minor: 2})
	if err := p.Check(violating); err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background(), &sliceSource{evs: []*decode.Event{judged, violating}}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(errOut.String(), "vm1:") {
		t.Errorf("an event already checked was validated again: %q", errOut)
	}
	if n := strings.Count(errOut.String(), "vm2: DEVICE_TRAY_MOVED:"); n != 1 {
		t.Errorf("the violation was reported %d times: %q", n, errOut)
	}
}

func TestStrictIsReported(t *testing.T) {
	p, _, errOut := newTest(t, Options{Strict: true})
	err := p.Run(context.Background(), &sliceSource{evs: []*decode.Event{event(t, tray, "vm1", decode.Version{Major: 7, Minor: 2})}})
	var rep exitcode.Reported
	if !errors.As(err, &rep) || rep.ExitCode() != exitcode.Error || !strings.Contains(errOut.String(), "--strict") {
		t.Errorf("got %v, stderr %q", err, errOut)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	for _, tt := range []struct {
		o    Options
		code int
	}{
		{Options{Count: -1}, exitcode.Usage},
		{Options{Timeout: time.Second}, exitcode.Usage},
		{Options{Filter: filter.Spec{JQ: ".["}}, exitcode.Expr},
		{Options{Render: render.Options{Format: "template", Template: "{{"}}, exitcode.Expr},
	} {
		tt.o.Out, tt.o.ErrOut = io.Discard, io.Discard
		if tt.o.Render.Format == "" {
			tt.o.Render.Format = "json"
		}
		_, err := New(tt.o)
		var ce interface{ ExitCode() int }
		if !errors.As(err, &ce) || ce.ExitCode() != tt.code {
			t.Errorf("%+v: got %v, want exit %d", tt.o, err, tt.code)
		}
	}
}
