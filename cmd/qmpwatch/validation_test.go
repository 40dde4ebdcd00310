package main

import (
	"context"
	"strings"
	"testing"
)

var badReset = `{"timestamp": {"seconds": 1700000000, "microseconds": 1}, "event": "RESET", "data": {"guest": "yes", "reason": "guest-reset"}}`

func TestSchemaViolationsReportedOnce(t *testing.T) {
	s := fakeVM(t, "vm1", badReset, badReset, fakeEvents[0])
	streams, out, errOut := TestStreams("")
	code := run(context.Background(), []string{"watch", s.Addr, "--schema", "builtin", "-o", "json"}, streams)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	if n := strings.Count(out.String(), "\n"); n != 3 {
		t.Errorf("%d events printed, want 3 (violations are still printed)", n)
	}
	want := `vm1: RESET: data.guest: want bool, got string "yes"` + "\n"
	if c := strings.Count(errOut.String(), want); c != 1 {
		t.Errorf("violation reported %d times, want once; stderr:\n%s", c, errOut)
	}
}

func TestSchemaStrict(t *testing.T) {
	s := fakeVM(t, "vm1", fakeEvents[0], badReset, fakeEvents[0])
	streams, out, errOut := TestStreams("")
	code := run(context.Background(), []string{"watch", s.Addr, "--schema", "builtin", "--strict", "-o", "json"}, streams)
	if code != exitError {
		t.Errorf("exit %d, want %d", code, exitError)
	}
	if n := strings.Count(out.String(), "\n"); n != 1 {
		t.Errorf("%d events printed before the violation, want 1", n)
	}
	if !strings.Contains(errOut.String(), `vm1: RESET: data.guest: want bool, got string "yes"`) {
		t.Errorf("stderr:\n%s", errOut)
	}
}
