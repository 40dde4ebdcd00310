package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
)

// A throttled mirror on a real QEMU, in a pipe: progress records whose
// offset grows, then ready and the end. A second mirror, already running
// when qmpwatch connects, is found by the queries at connect.
func TestJobsProgressRecordsRealQEMU(t *testing.T) {
	qemutest.Need(t)
	vm := qemutest.Start(t, qemutest.Options{Name: "vm-prog"})
	vm.AddFilledDisk(t, "disk0", 64<<20, 48<<20)
	vm.AddFilledDisk(t, "disk1", 64<<20, 48<<20)
	vm.StartThrottledMirror(t, "early", "disk1", 64<<20, 8<<20, 1<<20)

	out, errOut := &syncBuffer{}, &syncBuffer{}
	streams := &iostreams.Streams{In: strings.NewReader(""), Out: out, ErrOut: errOut}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"jobs", "-o", "json", vm.Monitor}, streams) }()
	waitFor(t, errOut, "connected to vm-prog")
	vm.StartThrottledMirror(t, "m1", "disk0", 64<<20, 8<<20, 1<<20)
	vm.WaitEventFunc(t, "BLOCK_JOB_READY", paneTimeout, qemutest.DataIs("device", "m1"))
	vm.CompleteJob(t, "m1")
	waitFor(t, out, `"id":"m1","type":"mirror","status":"concluded"`)
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var offsets []json.Number
	var early, rated bool
	dec := json.NewDecoder(strings.NewReader(out.String()))
	dec.UseNumber()
	for dec.More() {
		var r map[string]any
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		switch {
		case r["id"] == "early" && r["change"] == "start" && r["start"] == nil && r["offset"] != nil:
			early = true
		case r["id"] == "m1" && r["change"] == "progress":
			offsets = append(offsets, r["offset"].(json.Number))
			rated = rated || r["rate"] != nil && r["eta"] != nil
		}
	}
	if !early {
		t.Errorf("the mirror running at connect has no start record from the queries:\n%s", out)
	}
	if len(offsets) < 2 || !rated {
		t.Fatalf("progress records of m1: offsets %v, rate and eta seen %v; want at least two, with a rate:\n%s", offsets, rated, out)
	}
	first, _ := offsets[0].Int64()
	last, _ := offsets[len(offsets)-1].Int64()
	if last <= first {
		t.Errorf("the offset did not grow: %v", offsets)
	}
}
