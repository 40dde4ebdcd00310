package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
)

func TestJobsReplayRecording(t *testing.T) {
	streams, out, errOut := testStreams("")
	if code := run(context.Background(), []string{"jobs", "--replay", recordingPath("blockjobs.qmp")}, streams); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var ends []string
	for _, r := range jsonRecords(t, out.String()) {
		if r["change"] == "end" {
			ends = append(ends, strings.Join([]string{str(r["id"]), str(r["type"]), str(r["result"]), str(r["error"]), str(r["offset"]), str(r["len"]), str(r["percent"])}, " "))
		}
	}
	want := []string{
		"job1 mirror completed <nil> 4194304 4194304 100.0",
		"job2 mirror cancelled <nil> 4194304 4194304 100.0",
		"job3 mirror cancelled write error (stop) 0 2097152 0.0",
	}
	if strings.Join(ends, "\n") != strings.Join(want, "\n") {
		t.Errorf("end records\n%s\nwant\n%s", strings.Join(ends, "\n"), strings.Join(want, "\n"))
	}

	streams, out, _ = testStreams("")
	run(context.Background(), []string{"jobs", "--replay", "-o", "table", "--time", "unix", recordingPath("blockjobs.qmp")}, streams)
	wantTable := `blockjobs: shutdown (host-qmp-quit)
VM         JOB   TYPE    STATUS     PROGRESS                  SPEED      READY              ERROR               RESULT
blockjobs  job1  mirror  concluded  4194304/4194304 (100.0%)  unlimited  1795240036.624221  -                   completed
blockjobs  job2  mirror  concluded  4194304/4194304 (100.0%)  unlimited  1795240036.705208  -                   cancelled
blockjobs  job3  mirror  concluded  0/2097152 (0.0%)          unlimited  -                  write error (stop)  cancelled
`
	if out.String() != wantTable {
		t.Errorf("table:\n%s\nwant:\n%s", out, wantTable)
	}
}

// A live mirror on a real QEMU: started, ready, completed, one record each
// step, and the end record says completed.
func TestJobsRealQEMU(t *testing.T) {
	qemutest.Need(t)
	vm := qemutest.Start(t, qemutest.Options{Name: "vm-jobs"})
	vm.AddDisk(t, "disk0", 4<<20)

	out, errOut := &syncBuffer{}, &syncBuffer{}
	streams := &iostreams.Streams{In: strings.NewReader(""), Out: out, ErrOut: errOut}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"jobs", vm.Monitor}, streams) }()
	waitFor(t, errOut, "connected to vm-jobs (QEMU 7.2")

	vm.Mirror(t, "m1", "disk0")
	vm.CompleteJob(t, "m1")
	waitFor(t, out, `"result":"completed"`)
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var changes []string
	for _, r := range jsonRecords(t, out.String()) {
		if r["id"] != "m1" || r["vm"] != "vm-jobs" {
			t.Errorf("record %v", r)
		}
		changes = append(changes, str(r["change"])+":"+str(r["status"]))
	}
	got := strings.Join(changes, " ")
	if !strings.HasPrefix(got, "start:created ") || !strings.Contains(got, "update:ready") || !strings.HasSuffix(got, "end:concluded") {
		t.Errorf("changes %s", got)
	}
}

// waitFor polls b until it contains s (the command runs concurrently).
func waitFor(t *testing.T, b *syncBuffer, s string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(b.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q within 30s in:\n%s", s, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
