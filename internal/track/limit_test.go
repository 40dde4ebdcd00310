package track

import (
	"fmt"
	"strconv"
	"testing"
)

// said collects what a tracker's OnFull is told.
type said []Full

func (s *said) note(f Full) { *s = append(*s, f) }

// TestOpenJobsAreCapped: a VM that announces jobs without end holds at
// most MaxOpen open, says so once, and the others VMs are not affected; a
// job that ends frees a place, and an end of an untracked job is still
// reported.
func TestOpenJobsAreCapped(t *testing.T) {
	tr := NewJobs()
	var told said
	tr.OnFull(told.note)
	created := func(vm string, i int) Change {
		_, ch := tr.Observe(at(t, vm, int64(i), 0, "JOB_STATUS_CHANGE", `{"status": "created", "id": "j`+strconv.Itoa(i)+`"}`))
		return ch
	}
	for i := 0; i < MaxOpen+500; i++ {
		want := Started
		if i >= MaxOpen {
			want = NoChange
		}
		if ch := created("flood", i); ch != want {
			t.Fatalf("job %d: %s, want %s", i, ch, want)
		}
	}
	if tr.Open() != MaxOpen || !tr.RunningOn("flood") {
		t.Errorf("%d open jobs, want %d", tr.Open(), MaxOpen)
	}
	if len(told) != 1 || told[0] != (Full{VM: "flood", What: FullJobs, Limit: MaxOpen}) {
		t.Errorf("told %v, want one Full for flood", told)
	}
	if ch := created("calm", 1); ch != Started || tr.Open() != MaxOpen+1 {
		t.Errorf("another VM's job: %s, %d open", ch, tr.Open())
	}
	// An untracked job's end is reported; it takes no place.
	if _, ch := tr.Observe(at(t, "flood", 9, 0, "BLOCK_JOB_CANCELLED", `{"device": "j999999", "len": 1, "offset": 0, "speed": 0, "type": "backup"}`)); ch != Ended {
		t.Errorf("the end of an untracked job: %s, want end", ch)
	}
	// One ends: one more may start.
	if _, ch := tr.Observe(at(t, "flood", 10, 0, "BLOCK_JOB_COMPLETED", `{"device": "j0", "len": 1, "offset": 1, "speed": 0, "type": "backup"}`)); ch != Ended {
		t.Fatalf("j0 completed: %s", ch)
	}
	if ch := created("flood", MaxOpen+1000); ch != Started {
		t.Errorf("a job after one ended: %s, want start", ch)
	}
	if seeded := tr.Seed("flood", at(t, "flood", 11, 0, "X", "").Time(), []JobInfo{{ID: "seeded"}}); len(seeded) != 0 {
		t.Errorf("seeding past the cap added %d jobs", len(seeded))
	}
	if len(told) != 1 {
		t.Errorf("told %d times, want once per VM", len(told))
	}
	// The VM's stream ends: it starts afresh, and may be told again.
	tr.EndAll("flood", at(t, "flood", 12, 0, "X", "").Time())
	if tr.RunningOn("flood") || tr.Open() != 1 {
		t.Errorf("after EndAll: %d open", tr.Open())
	}
}

// TestEndedJobsStayBoundedUnderChurn: many jobs that start and end keep
// only KeepEnded listed and indexed, and the slots are swept out.
func TestEndedJobsStayBoundedUnderChurn(t *testing.T) {
	tr := NewJobs()
	for i := 0; i < 20*KeepEnded; i++ {
		id := fmt.Sprint("j", i)
		tr.Observe(at(t, "vm1", int64(i), 0, "JOB_STATUS_CHANGE", `{"status": "created", "id": "`+id+`"}`))
		tr.Observe(at(t, "vm1", int64(i), 1, "BLOCK_JOB_COMPLETED", `{"device": "`+id+`", "len": 1, "offset": 1, "speed": 0, "type": "mirror"}`))
	}
	if n := len(tr.List()); n != KeepEnded {
		t.Errorf("%d jobs listed, want %d", n, KeepEnded)
	}
	if last := tr.List()[KeepEnded-1]; last.ID != fmt.Sprint("j", 20*KeepEnded-1) {
		t.Errorf("the newest job listed is %s", last.ID)
	}
	if len(tr.byID) > KeepEnded || len(tr.order) > 2*KeepEnded+16 {
		t.Errorf("%d indexed, %d slots: not swept", len(tr.byID), len(tr.order))
	}
}

// TestOpenSessionsAreCapped: a VNC client flood and a SPICE session that
// adds channels without end are held at their bounds, said once each.
func TestOpenSessionsAreCapped(t *testing.T) {
	tr := NewSessions()
	var told said
	tr.OnFull(told.note)
	for i := 0; i < MaxOpen+300; i++ {
		want := Started
		if i >= MaxOpen {
			want = NoChange
		}
		if _, ch := tr.Observe(vncEv(t, int64(i), "VNC_CONNECTED", strconv.Itoa(10000+i), "")); ch != want {
			t.Fatalf("client %d: %s, want %s", i, ch, want)
		}
	}
	if vnc, _ := tr.OpenCount(); vnc != MaxOpen {
		t.Errorf("%d open VNC sessions, want %d", vnc, MaxOpen)
	}
	// Seeding finds no room either.
	if s, _ := tr.SeedVNC("vm1", at(t, "vm1", 1, 0, "X", "").Time(), []byte(`{"enabled": true, "clients": [{"host": "10.9.9.9", "service": "1"}]}`)); len(s) != 0 {
		t.Errorf("seeding past the cap added %d sessions", len(s))
	}
	// A disconnect of an untracked client is reported, and takes no place.
	if _, ch := tr.Observe(vncEv(t, 900, "VNC_DISCONNECTED", "99999", "")); ch != Ended {
		t.Errorf("untracked disconnect: %s", ch)
	}
	// Ending them all, one by one, frees every place.
	for i := 0; i < MaxOpen; i++ {
		if _, ch := tr.Observe(vncEv(t, int64(1000+i), "VNC_DISCONNECTED", strconv.Itoa(10000+i), "")); ch != Ended {
			t.Fatalf("client %d: %s, want end", i, ch)
		}
	}
	v := tr.vms["vm1"]
	if vnc, _ := tr.OpenCount(); vnc != 0 || len(v.open) > 16 || len(tr.Open()) != 0 {
		t.Errorf("after every end: %d open, %d slots", vnc, len(v.open))
	}

	// One SPICE session whose channels never stop coming.
	tr.Observe(spiceConn(t, 1, "10.0.0.2", 5000))
	for i := 0; i < MaxChannels+20; i++ {
		tr.Observe(spiceInit(t, 2, "10.0.0.2", 5000+i, "42", 2, false))
	}
	if s := tr.Open(); len(s) != 1 || len(s[0].Channels) != MaxChannels {
		t.Errorf("SPICE: %d sessions open, want 1 with %d channels", len(s), MaxChannels)
	}
	// Its main channel ends it; the others, never disconnected, linger in
	// the index only up to a bound.
	for n := 0; n < 20; n++ {
		id := strconv.Itoa(100 + n)
		port := 20000 + n*100
		tr.Observe(spiceInit(t, 3, "10.0.0.3", port, id, 1, false))
		for c := 1; c < 30; c++ {
			tr.Observe(spiceInit(t, 3, "10.0.0.3", port+c, id, 2, false))
		}
		tr.Observe(spiceDisc(t, 4, "10.0.0.3", port))
	}
	if n := len(v.byAddr); n > maxHalfOpen+MaxChannels {
		t.Errorf("%d channel addresses indexed after their sessions ended", n)
	}
	want := said{{VM: "vm1", What: FullSessions, Limit: MaxOpen}, {VM: "vm1", What: FullChannels, Limit: MaxChannels}}
	if fmt.Sprint(told) != fmt.Sprint(want) {
		t.Errorf("told %v, want %v", told, want)
	}
	if got := told[0].String(); got != "vm1: 256 open display sessions, the most qmpwatch tracks per VM; more are ignored until some end" {
		t.Errorf("notice %q", got)
	}
}
