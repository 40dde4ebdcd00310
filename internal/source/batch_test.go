package source

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// TestMergeBatchesWhatIsRead: events a monitor sent in one write reach the
// consumer in batches of at most MaxBatch, in order; a lone event that
// follows is handed on at once, not held back waiting for company.
func TestMergeBatchesWhatIsRead(t *testing.T) {
	const n = 300
	release := make(chan struct{})
	p := sockPath(t, "burst.qmp")
	fakeAt(t, p, func(c net.Conn) error {
		defer c.Close()
		r, err := handshake(c, "burst")
		if err != nil {
			return err
		}
		var burst strings.Builder
		for i := range n {
			burst.WriteString(event(fmt.Sprintf("E%d", i), i) + "\r\n")
		}
		if _, err := c.Write([]byte(burst.String())); err != nil {
			return err
		}
		<-release
		if _, err := fmt.Fprintf(c, "%s\r\n", event("LONE", n)); err != nil {
			return err
		}
		r.ReadBytes('\n') // until the client goes away
		return nil
	})
	m := New(t.Context(), Options{})
	m.Dial(Target{Addr: unixAddr(p)})
	m.Seal()
	got, biggest := 0, 0
	for got < n {
		b, err := m.NextBatch(t.Context())
		if err != nil {
			t.Fatalf("after %d events: %v", got, err)
		}
		if len(b) > MaxBatch {
			t.Fatalf("a batch of %d events, more than MaxBatch", len(b))
		}
		biggest = max(biggest, len(b))
		for _, ev := range b {
			if want := fmt.Sprintf("E%d", got); ev.Name != want || ev.VM != "burst" {
				t.Fatalf("event %d is %s:%s, want burst:%s", got, ev.VM, ev.Name, want)
			}
			got++
		}
	}
	if biggest < 2 {
		t.Errorf("%d events sent in one write came one by one", n)
	}
	close(release)
	done := make(chan string, 1)
	go func() {
		b, err := m.NextBatch(t.Context())
		if err != nil || len(b) != 1 {
			done <- fmt.Sprint(len(b), err)
			return
		}
		done <- b[0].Name
	}()
	select {
	case name := <-done:
		if name != "LONE" {
			t.Errorf("after the burst: %s, want LONE alone", name)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a lone event was held back")
	}
}

// A Status callback that waits on its consumer (top's full-screen view
// before it has started) must not hold up Seal: top seals its Merge before
// starting the view that the callback waits for.
func TestSealWhileStatusWaits(t *testing.T) {
	release, inside := make(chan struct{}), make(chan struct{}, 1)
	p := sockPath(t, "waits.qmp")
	fakeAt(t, p, func(c net.Conn) error { return qemuSide(c, "waits", nil, true) })
	ctx, cancel := context.WithCancel(t.Context())
	m := New(ctx, Options{Status: func(Status) {
		select {
		case inside <- struct{}{}:
		default:
		}
		<-release
	}})
	defer func() { close(release); cancel(); m.Wait() }()
	m.Dial(Target{Addr: unixAddr(p)})
	<-inside // the session is reporting its connection, and waits
	sealed := make(chan struct{})
	go func() { m.Seal(); close(sealed) }()
	select {
	case <-sealed:
	case <-time.After(10 * time.Second):
		t.Fatal("Seal waited for a Status callback")
	}
}
