package track

import (
	"testing"
	"time"
)

func polledJobs(t *testing.T, offset string) []JobInfo {
	t.Helper()
	infos, err := ParseBlockJobs([]byte(`[{"device": "m1", "type": "mirror", "len": 67108864, "offset": ` + offset +
		`, "speed": 8388608, "status": "running", "busy": true}]`))
	if err != nil {
		t.Fatal(err)
	}
	return infos
}

// A mirror seen first in its events, then polled: rate over the last
// interval, ETA from it, elapsed from the first event.
func TestJobProgressFromPolls(t *testing.T) {
	jobs := NewJobs()
	jobs.Observe(at(t, "vm1", 1700000000, 0, "JOB_STATUS_CHANGE", `{"id": "m1", "status": "created"}`))
	if !jobs.Running() || !jobs.RunningOn("vm1") || jobs.RunningOn("vm2") {
		t.Fatal("a created job is not counted as running")
	}
	t0 := time.Unix(1700000001, 0)
	if ch := jobs.Poll("vm1", t0, polledJobs(t, "8388608")); len(ch) != 1 {
		t.Fatalf("first poll changed %d jobs, want 1", len(ch))
	}
	j := jobs.List()[0]
	if _, ok := j.Rate(); ok {
		t.Error("a rate from one reading")
	}
	jobs.Poll("vm1", t0.Add(2*time.Second), polledJobs(t, "25165824"))
	r, ok := j.Rate()
	if !ok || r != 8388608 {
		t.Fatalf("rate %v %v, want 8 MiB/s", r, ok)
	}
	if eta, ok := j.ETA(); !ok || eta != 5*time.Second {
		t.Errorf("ETA %v %v, want 5s (40 MiB left at 8 MiB/s)", eta, ok)
	}
	if e := j.Elapsed(t0.Add(2 * time.Second)); e != 3*time.Second {
		t.Errorf("elapsed %v, want 3s from the first event", e)
	}
	if off, n, ok := j.Sizes(); !ok || off != 25165824 || n != 67108864 {
		t.Errorf("sizes %d/%d %v", off, n, ok)
	}
	// The same figures again: nothing to report.
	if ch := jobs.Poll("vm1", t0.Add(3*time.Second), polledJobs(t, "25165824")); len(ch) != 0 {
		t.Errorf("an unchanged poll reported %d jobs", len(ch))
	}
	jobs.Observe(at(t, "vm1", 1700000009, 0, "BLOCK_JOB_COMPLETED", `{"device": "m1", "len": 67108864, "offset": 67108864, "speed": 8388608, "type": "mirror"}`))
	if jobs.Running() {
		t.Error("a completed job still counts as running")
	}
	if ch := jobs.Poll("vm1", t0.Add(9*time.Second), polledJobs(t, "67108864")); len(ch) != 0 {
		t.Error("a poll moved an ended job")
	}
}

// Jobs already running at connect: from query-jobs merged with
// query-block-jobs, with no start but when they were found.
func TestSeedJobs(t *testing.T) {
	jobs := NewJobs()
	q, err := ParseJobs([]byte(`[{"id": "m1", "type": "mirror", "status": "running", "current-progress": 4, "total-progress": 10}, {"id": "b2", "type": "backup", "status": "paused", "current-progress": 0, "total-progress": 0}]`))
	if err != nil {
		t.Fatal(err)
	}
	found := time.Unix(1700000000, 0)
	seeded := jobs.Seed("vm1", found, q)
	if len(seeded) != 2 || seeded[0].ID != "m1" || seeded[0].Offset != "4" || seeded[1].Status != "paused" {
		t.Fatalf("seeded %+v", seeded)
	}
	if at, known := seeded[0].Since(); known || !at.Equal(found) {
		t.Errorf("since %v %v, want the time it was found, unknown start", at, known)
	}
	if again := jobs.Seed("vm1", found, q); len(again) != 0 {
		t.Errorf("seeding twice added %d jobs", len(again))
	}
	if _, err := ParseBlockJobs([]byte(`{"not": "an array"}`)); err == nil {
		t.Error("an object read as query-block-jobs")
	}
}

// Sessions open at connect, from query-vnc, query-vnc-servers and
// query-spice, counted once each.
func TestSeedSessions(t *testing.T) {
	s := NewSessions()
	found := time.Unix(1700000000, 0)
	vnc := `{"enabled": true, "host": "127.0.0.1", "service": "5900", "auth": "none", "clients": [{"host": "127.0.0.1", "service": "40000", "family": "ipv4", "websocket": false}]}`
	servers := `[{"id": "default", "auth": "none", "server": [], "clients": [{"host": "127.0.0.1", "service": "40000", "family": "ipv4", "websocket": false}]}]`
	spice := `{"enabled": true, "migrated": false, "port": 5901, "auth": "spice", "channels": [
		{"host": "127.0.0.1", "port": "50001", "family": "ipv4", "connection-id": -1296444001, "channel-type": 1, "channel-id": 0, "tls": false},
		{"host": "127.0.0.1", "port": "50002", "family": "ipv4", "connection-id": -1296444001, "channel-type": 2, "channel-id": 0, "tls": true}]}`
	for _, raw := range []string{vnc, servers} {
		if _, err := s.SeedVNC("vm1", found, []byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.SeedSPICE("vm1", found, []byte(spice)); err != nil {
		t.Fatal(err)
	}
	open := s.Open()
	if len(open) != 2 {
		t.Fatalf("%d open sessions, want 2 (one VNC seen twice, one SPICE)", len(open))
	}
	sp := open[1]
	if sp.Protocol != SPICE || sp.ID != "-1296444001" || sp.Client != "127.0.0.1:50001" || !sp.TLS || len(sp.Channels) != 2 {
		t.Errorf("spice session %+v", sp)
	}
	if at, known := open[0].Since(); known || !at.Equal(found) {
		t.Errorf("since %v %v", at, known)
	}
	// The disconnect of a seeded VNC client ends it.
	if _, ch := s.Observe(at(t, "vm1", 1700000005, 0, "VNC_DISCONNECTED", `{"server": {"host": "127.0.0.1", "service": "5900", "family": "ipv4", "websocket": false, "auth": "none"}, "client": {"host": "127.0.0.1", "service": "40000", "family": "ipv4", "websocket": false}}`)); ch != Ended {
		t.Errorf("disconnect of a seeded client: %v, want end", ch)
	}
}
