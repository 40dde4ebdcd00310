package main

import (
	"context"
	"github.com/qmpwatch/qmpwatch/internal/conn/conntest"
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

// A QEMU whose own schema says RESET's guest is a string: with --schema auto
// (the default) qmpwatch fetches that schema without waiting and judges the
// events after its reply by it; with builtin, by the catalog.
const liveSchemaGuestStr = `[{"name": "RESET", "meta-type": "event", "arg-type": "1"},
 {"name": "1", "meta-type": "object", "members": [{"name": "guest", "type": "str"}, {"name": "reason", "type": "str"}]},
 {"name": "str", "meta-type": "builtin", "json-type": "string"}]`

func TestSchemaAutoUsesTheLiveSchema(t *testing.T) {
	for _, mode := range []string{"auto", "builtin", "live"} {
		t.Run(mode, func(t *testing.T) {
			s := conntest.NewServer(t, func(p *conntest.Peer) error {
				if err := p.Handshake("vm1"); err != nil {
					return err
				}
				for {
					c, err := p.Read()
					if err != nil {
						return err
					}
					if c.Execute == "query-qmp-schema" {
						p.Reply(c, liveSchemaGuestStr)
						break
					}
					p.Reply(c, `{"status": "running", "singlestep": false, "running": true}`)
					if mode == "builtin" {
						break // builtin never asks for the schema
					}
				}
				return p.SendLine(badReset)
			})
			streams, out, errOut := TestStreams("")
			if code := run(context.Background(), []string{"watch", s.Addr, "--schema", mode, "-o", "json"}, streams); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if !strings.Contains(out.String(), `"event":"RESET"`) {
				t.Errorf("the event was not printed: %q", out)
			}
			violated := strings.Contains(errOut.String(), "data.guest: want bool")
			if violated != (mode == "builtin") {
				t.Errorf("--schema %s: violation reported = %v; stderr:\n%s", mode, violated, errOut)
			}
		})
	}
}

// The schema is checked for the events shown: a filtered-out event's
// violation is not reported, in watch as in replay.
func TestSchemaCheckedForShownEventsOnly(t *testing.T) {
	for _, args := range [][]string{{"-e", "STOP"}, {"-w", "reason==host-qmp-quit"}} {
		s := fakeVM(t, "vm1", badReset, fakeEvents[0])
		streams, out, errOut := TestStreams("")
		code := run(context.Background(), append([]string{"watch", s.Addr, "--schema", "builtin", "-o", "json"}, args...), streams)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		if strings.Contains(errOut.String(), "data.guest") || strings.Contains(out.String(), "RESET") {
			t.Errorf("%v: the filtered RESET was reported or shown; stdout %q stderr %q", args, out, errOut)
		}
	}
}
