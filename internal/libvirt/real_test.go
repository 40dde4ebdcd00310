package libvirt

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/testkit/libvirttest"
)

// TestRealEvents proves against a real libvirtd that data-less events (STOP,
// RESUME) arrive, that a domain started after subscribing is seen from its
// first event, that a destroy is reported, and that only allowlisted
// procedures went out.
func TestRealEvents(t *testing.T) {
	d := libvirttest.Start(t)
	d.Start("lv-one")
	u, err := ParseURI(d.URI)
	if err != nil {
		t.Fatal(err)
	}
	var sent []proc
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c, err := Dial(ctx, u, Options{Sent: func(p, n uint32) { sent = append(sent, proc{p, n}) }})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	v, err := c.Version()
	if err != nil || v.Major < 1 {
		t.Fatalf("version %v, %v", v, err)
	}
	doms, err := c.Domains()
	if err != nil || len(doms) != 1 || doms[0].Name != "lv-one" || doms[0].State.Name() != "running" {
		t.Fatalf("domains %+v, %v", doms, err)
	}
	if err := c.Subscribe(); err != nil {
		t.Fatal(err)
	}
	d.Virsh("suspend", "lv-one")
	d.Virsh("resume", "lv-one")
	d.Start("lv-two")
	d.Virsh("destroy", "lv-two")

	var got []string
	// Each list is in the order it must arrive; the lists may interleave.
	wants := [][]string{
		{"lv-one STOP", "lv-one RESUME"},
		{"lv-one lifecycle suspended", "lv-one lifecycle resumed"},
		{"lv-two lifecycle started (booted)", "lv-two lifecycle stopped (destroyed)"},
	}
	for !containsAll(got, wants) {
		it, err := c.Next(ctx)
		if err != nil {
			t.Fatalf("%v; got %q", err, got)
		}
		switch {
		case it.Event != nil:
			if it.Event.Seconds <= 0 {
				t.Errorf("%s has no QEMU timestamp", it.Event.Raw)
			}
			got = append(got, it.Event.VM+" "+it.Event.Name)
		case it.Lifecycle != nil:
			got = append(got, it.Lifecycle.Domain+" lifecycle "+it.Lifecycle.String())
		}
	}
	for _, p := range sent {
		if _, ok := allowed[p]; !ok {
			t.Errorf("sent %v, not on the allowlist", p)
		}
	}
	if len(sent) == 0 {
		t.Error("no procedure recorded")
	}

	// The read-only socket lists domains but cannot subscribe: one line
	// that says what to do.
	ro, _ := ParseURI("qemu+unix:///system?socket=" + d.Socket + "-ro")
	rc, err := Dial(ctx, ro, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := rc.Domains(); err != nil {
		t.Errorf("read-only domains: %v", err)
	}
	err = rc.Subscribe()
	if err == nil || !strings.Contains(err.Error(), "read-only access") || !strings.Contains(err.Error(), "libvirt group") || strings.Contains(err.Error(), "\n") {
		t.Errorf("read-only subscribe: %v", err)
	}
}

func containsAll(got []string, wants [][]string) bool {
	for _, w := range wants {
		if !containsInOrder(got, w) {
			return false
		}
	}
	return true
}

// containsInOrder reports whether want is a subsequence of got.
func containsInOrder(got, want []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

func TestRealErrors(t *testing.T) {
	u, _ := ParseURI("qemu+unix:///system?socket=" + t.TempDir() + "/none")
	_, err := Dial(context.Background(), u, Options{})
	if err == nil || !strings.Contains(err.Error(), "is missing: is libvirtd running?") {
		t.Fatalf("got %v", err)
	}
}
