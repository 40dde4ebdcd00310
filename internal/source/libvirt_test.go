package source

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/libvirt"
	"github.com/qmpwatch/qmpwatch/internal/testkit/libvirtfake"
)

type lvStatusLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *lvStatusLog) add(st Status) {
	l.mu.Lock()
	defer l.mu.Unlock()
	kind := map[Kind]string{Connected: "connected", Reconnected: "reconnected", Disconnected: "disconnected", Unreachable: "unreachable"}[st.Kind]
	line := kind + " " + st.VM
	if st.Err != nil {
		line += ": " + st.Err.Error()
	}
	l.lines = append(l.lines, line)
}

func (l *lvStatusLog) has(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, x := range l.lines {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}

func (l *lvStatusLog) wait(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !l.has(s) {
		if time.Now().After(deadline) {
			t.Fatalf("no status %q in %q", s, l.lines)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestLibvirtSource follows a fake libvirtd's domains: the running one at
// once, one that starts later from its first event, a stop as a marker,
// a --domain glob, and libvirtd going away and coming back.
func TestLibvirtSource(t *testing.T) {
	f := libvirtfake.Start(t,
		libvirtfake.Domain{Name: "web1", ID: 1, State: 1, Reason: 1},
		libvirtfake.Domain{Name: "db1", ID: 2, State: 1, Reason: 1},
		libvirtfake.Domain{Name: "web2", ID: -1, State: 5})
	u, err := libvirt.ParseURI(f.URI)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	log := &lvStatusLog{}
	m := New(ctx, Options{Status: log.add, Markers: true, Backoff: func() *Backoff { return &Backoff{Min: 10 * time.Millisecond, Max: 20 * time.Millisecond} }})
	var versions sync.Map
	m.Libvirt(LibvirtTarget{URI: u, Domains: []string{"web*"}, Reconnect: true, Domain: func(name string, v decode.Version, st libvirt.State) string {
		versions.Store(name, v.String()+" "+st.String())
		return ""
	}})
	m.Seal()
	log.wait(t, "connected web1")

	f.MonitorEvent("db1", "STOP", 10, 1, "") // not matched: dropped
	f.MonitorEvent("web1", "STOP", 10, 2, "")
	f.MonitorEvent("web2", "RESUME", 11, 3, "") // web2 starts: its first event
	f.Lifecycle("web2", 2, 0)
	f.Lifecycle("web2", 5, 1) // stopped (destroyed)
	f.MonitorEvent("web1", "RESUME", 12, 4, "")

	want := []string{
		"web1 STOP", "web2 RESUME", "web2 QMPWATCH_DISCONNECTED domain stopped (destroyed)", "web1 RESUME",
	}
	var got []string
	next := func() *decode.Event {
		ev, err := m.Next(ctx)
		if err != nil {
			t.Fatalf("%v after %q", err, got)
		}
		return ev
	}
	for len(got) < len(want) {
		ev := next()
		s := ev.VM + " " + ev.Name
		if ev.Name == EventDisconnected {
			s += " " + ev.Data().Str("reason")
		} else if ev.QEMU.String() != "7.2.0" {
			// The schema check judges each event as this version.
			t.Errorf("%s: Event.QEMU %s, want libvirt's emulator version 7.2.0", s, ev.QEMU)
		}
		got = append(got, s)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if v, _ := versions.Load("web1"); v != "7.2.0 running (booted)" {
		t.Errorf("web1 came up with %v", v)
	}
	if !log.has("connected web2") || !log.has("disconnected web2: domain stopped (destroyed)") || log.has("db1") {
		t.Errorf("statuses %q", log.lines)
	}

	// libvirtd restarts: web1 gets a gap with markers on both sides.
	f.Drop()
	log.wait(t, "disconnected web1: libvirtd closed the connection")
	log.wait(t, "reconnected web1")
	for _, name := range []string{EventDisconnected, EventReconnected} {
		if ev := next(); ev.Name != name || ev.VM != "web1" {
			t.Errorf("got %s %s, want %s web1", ev.VM, ev.Name, name)
		}
	}
	for _, p := range f.Procs() {
		if p.Program == libvirtfake.ProgramQEMU && p.Number == 1 {
			t.Error("a QMP command went through libvirt")
		}
	}
	cancel()
	m.Wait()
}

// TestLibvirtUnknownDomain: a --domain name that is not defined fails the
// source with a suggestion, and the Merge ends with a failure.
func TestLibvirtUnknownDomain(t *testing.T) {
	f := libvirtfake.Start(t, libvirtfake.Domain{Name: "web1", ID: 1, State: 1, Reason: 1})
	u, _ := libvirt.ParseURI(f.URI)
	log := &lvStatusLog{}
	m := New(context.Background(), Options{Status: log.add})
	m.Libvirt(LibvirtTarget{URI: u, Domains: []string{"web2"}})
	m.Seal()
	_, err := m.Next(context.Background())
	var fe *FailedError
	if !errors.As(err, &fe) || !log.has("unknown --domain web2; did you mean web1?") {
		t.Fatalf("err %v, statuses %q", err, log.lines)
	}
}
