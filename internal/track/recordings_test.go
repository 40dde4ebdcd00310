package track

import (
	"reflect"
	"testing"
	"time"
)

// These tests replay sessions recorded from a real QEMU 7.2 (see
// internal/testkit/qemutest): what the trackers make of them is what a user sees.

func sessionsOf(t *testing.T, name string) (*Sessions, map[Change]int) {
	t.Helper()
	tr := NewSessions()
	counts := map[Change]int{}
	for _, e := range recording(t, name) {
		_, ch := tr.Observe(e)
		counts[ch]++
	}
	return tr, counts
}

func TestRecordedSpiceSession(t *testing.T) {
	tr, counts := sessionsOf(t, "spice.qmp")
	list := tr.List()
	if len(list) != 1 || counts[Started] != 1 || counts[Ended] != 1 {
		t.Fatalf("%d sessions, %d starts, %d ends; want one of each", len(list), counts[Started], counts[Ended])
	}
	s := list[0]
	if want := []string{"main", "display", "inputs", "cursor"}; !reflect.DeepEqual(s.ChannelNames(), want) {
		t.Errorf("channels %v, want %v", s.ChannelNames(), want)
	}
	// The main channel's SPICE_CONNECTED and SPICE_DISCONNECTED (client
	// port 47746) bound the session.
	if start, end := time.Unix(1795240034, 5558000), time.Unix(1795240034, 360751000); !s.Start.Equal(start) || !s.End.Equal(end) {
		t.Errorf("start %v end %v, want %v and %v", s.Start, s.End, start, end)
	}
	if s.ID != "1093971" || s.Client != "127.0.0.1:47746" || s.TLS || s.Auth != "none" || s.NoMain {
		t.Errorf("session %+v", s)
	}
	for _, c := range s.Channels {
		if !c.Closed {
			t.Errorf("channel %s still open", c.Name)
		}
	}
}

func TestRecordedSpiceTwoClients(t *testing.T) {
	tr, counts := sessionsOf(t, "spice2.qmp")
	list := tr.List()
	if len(list) != 2 || counts[Started] != 2 || counts[Ended] != 2 {
		t.Fatalf("%d sessions, %d starts, %d ends; want two of each", len(list), counts[Started], counts[Ended])
	}
	byID := map[string]*Session{}
	for _, s := range list {
		byID[s.ID] = s
		if want := []string{"main", "display", "inputs", "cursor"}; !reflect.DeepEqual(s.ChannelNames(), want) {
			t.Errorf("session %s: channels %v, want %v", s.ID, s.ChannelNames(), want)
		}
	}
	// Negative 32-bit connection ids, kept exactly.
	a, b := byID["-36357358"], byID["-1914746245"]
	if a == nil || b == nil {
		t.Fatalf("sessions %v, want ids -36357358 and -1914746245", byID)
	}
	if a.Client != "127.0.0.1:60232" || !a.End.Equal(time.Unix(1795240035, 40015000)) {
		t.Errorf("first session %s ended %v", a.Client, a.End)
	}
	if b.Client != "127.0.0.1:60248" || !b.End.Equal(time.Unix(1795240035, 70760000)) {
		t.Errorf("second session %s ended %v", b.Client, b.End)
	}
}

func TestRecordedVNC(t *testing.T) {
	tr, counts := sessionsOf(t, "vnc.qmp")
	list := tr.List()
	if len(list) != 1 || counts[Started] != 1 || counts[Updated] != 1 || counts[Ended] != 1 {
		t.Fatalf("%d sessions, changes %v", len(list), counts)
	}
	s := list[0]
	if s.Protocol != VNC || s.Client != "127.0.0.1:37148" || s.Auth != "none" ||
		!s.Start.Equal(time.Unix(1795240036, 155434000)) || !s.Init.Equal(time.Unix(1795240036, 155912000)) ||
		!s.End.Equal(time.Unix(1795240036, 356772000)) {
		t.Errorf("session %+v", s)
	}
}

func TestRecordedBlockJobs(t *testing.T) {
	tr := NewJobs()
	var ends []string
	for _, e := range recording(t, "blockjobs.qmp") {
		if j, ch := tr.Observe(e); ch == Ended {
			ends = append(ends, j.ID+" "+j.Result)
		}
	}
	if want := []string{"job1 completed", "job2 cancelled", "job3 cancelled"}; !reflect.DeepEqual(ends, want) {
		t.Errorf("ends %v, want %v", ends, want)
	}
	list := tr.List()
	if len(list) != 3 {
		t.Fatalf("%d jobs, want 3", len(list))
	}
	j1, j2, j3 := list[0], list[1], list[2]
	if p, ok := j1.Percent(); !ok || p != 100 || j1.Type != "mirror" || j1.Ready.IsZero() || j1.Len != "4194304" || j1.Status != "concluded" {
		t.Errorf("job1 %+v (%v%%)", j1, p)
	}
	if j2.Ready.IsZero() || j2.Error != "" {
		t.Errorf("job2 %+v", j2)
	}
	if p, ok := j3.Percent(); !ok || p != 0 || j3.Error != "write error (stop)" || !j3.Ready.IsZero() {
		t.Errorf("job3 %+v (%v%%)", j3, p)
	}
	if len(tr.byID) != 0 {
		t.Errorf("%d jobs still held after their dismissal", len(tr.byID))
	}
}

func TestRecordedGuestCausesAndState(t *testing.T) {
	c := NewCausesForTest(t)
	st := NewStates()
	st.Seed("guest", RunState{Status: "prelaunch"})
	var causes, states []string
	for _, e := range recording(t, "guest.qmp") {
		by := c.Observe(e)
		if e.Cause != "" {
			causes = append(causes, e.Name+" after "+e.Cause+" ("+by+")")
		}
		if st.Observe(e, by) {
			states = append(states, st.Get("guest").String())
		}
	}
	want := []string{
		"STOP after watchdog expiry (WATCHDOG)",
		"STOP after write error on iodisk (BLOCK_IO_ERROR)",
	}
	if !reflect.DeepEqual(causes, want) {
		t.Errorf("causes\n%q\nwant\n%q", causes, want)
	}
	wantStates := []string{"running", "watchdog (watchdog expiry)", "running",
		"io-error (write error on iodisk)", "running", "shutdown (guest-shutdown)"}
	if !reflect.DeepEqual(states, wantStates) {
		t.Errorf("states\n%q\nwant\n%q", states, wantStates)
	}
	if got := st.Get("guest").Resets; got != 3 {
		t.Errorf("%d resets, want 3", got)
	}
}

func TestRecordedLifecycleHasNoCauses(t *testing.T) {
	c := NewCausesForTest(t)
	st := NewStates()
	for _, e := range recording(t, "lifecycle.qmp") {
		if by := c.Observe(e); by != "" || e.Cause != "" {
			t.Errorf("%s got cause %q from %s", e.Name, e.Cause, by)
		}
		st.Observe(e, "")
	}
	if s := st.Get("lifecycle"); s.Status != "shutdown" || s.Reason != "host-qmp-quit" || s.Resets != 1 {
		t.Errorf("final state %+v", s)
	}
}
