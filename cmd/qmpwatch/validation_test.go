package main

import (
	"context"
	"strings"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/testkit/conntest"
)

var badReset = `{"timestamp": {"seconds": 1700000000, "microseconds": 1}, "event": "RESET", "data": {"guest": "yes", "reason": "guest-reset"}}`

func TestSchemaViolationsReportedOnce(t *testing.T) {
	s := fakeVM(t, "vm1", badReset, badReset, fakeEvents[0])
	streams, out, errOut := testStreams("")
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
	streams, out, errOut := testStreams("")
	code := run(context.Background(), []string{"watch", s.Addr, "--schema", "builtin", "--strict", "-o", "json"}, streams)
	if code != exitcode.Error {
		t.Errorf("exit %d, want %d", code, exitcode.Error)
	}
	if n := strings.Count(out.String(), "\n"); n != 2 {
		t.Errorf("%d events printed, want 2: the one before the violation and the violating one", n)
	}
	if !strings.Contains(out.String(), `"guest":"yes"`) {
		t.Errorf("the violating event was not printed:\n%s", out)
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
				p.Serve(conntest.Replies{
					"query-qmp-schema": func(p *conntest.Peer, c conntest.Command) error {
						p.Reply(c, liveSchemaGuestStr)
						return conntest.Done
					},
					"*": func(p *conntest.Peer, c conntest.Command) error {
						p.Reply(c, conntest.Running)
						if mode == "builtin" {
							return conntest.Done // builtin never asks for the schema
						}
						return nil
					},
				})
				return p.SendLine(badReset)
			})
			streams, out, errOut := testStreams("")
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
		streams, out, errOut := testStreams("")
		code := run(context.Background(), append([]string{"watch", s.Addr, "--schema", "builtin", "-o", "json"}, args...), streams)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		if strings.Contains(errOut.String(), "data.guest") || strings.Contains(out.String(), "RESET") {
			t.Errorf("%v: the filtered RESET was reported or shown; stdout %q stderr %q", args, out, errOut)
		}
	}
}

// A QEMU newer than the catalog (the greeting says 11.0): its unknown enum
// value, member and event are not violations, even under --strict; each is
// noted once per VM and event on stderr and the events are printed as sent.
func TestSchemaCalmOnNewerQEMU(t *testing.T) {
	const greeting11 = `{"QMP": {"version": {"qemu": {"micro": 0, "minor": 0, "major": 11}, "package": ""}, "capabilities": ["oob"]}}`
	events := []string{
		`{"timestamp": {"seconds": 1700000000, "microseconds": 1}, "event": "MIGRATION", "data": {"status": "postcopy-future"}}`,
		`{"timestamp": {"seconds": 1700000000, "microseconds": 2}, "event": "MIGRATION", "data": {"status": "postcopy-future"}}`,
		`{"timestamp": {"seconds": 1700000000, "microseconds": 3}, "event": "NEW_EVENT", "data": {"x": 1}}`,
		`{"timestamp": {"seconds": 1700000000, "microseconds": 4}, "event": "NEW_EVENT", "data": {"x": 2}}`,
		`{"timestamp": {"seconds": 1700000000, "microseconds": 5}, "event": "RESET", "data": {"guest": false, "reason": "host-error", "extra": "x"}}`,
	}
	s := conntest.NewServer(t, func(p *conntest.Peer) error {
		if err := p.SendLine(greeting11); err != nil {
			return err
		}
		for _, cmd := range []string{"qmp_capabilities", "query-name"} {
			c, err := p.Expect(cmd)
			if err != nil {
				return err
			}
			if err := p.Reply(c, `{"name": "vm1"}`); err != nil {
				return err
			}
		}
		for _, e := range events {
			if err := p.SendLine(e); err != nil {
				return err
			}
		}
		return nil
	})
	streams, out, errOut := testStreams("")
	code := run(context.Background(), []string{"watch", s.Addr, "--schema", "builtin", "--strict", "-o", "json"}, streams)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if n := strings.Count(out.String(), "\n"); n != len(events) {
		t.Errorf("%d events printed, want %d", n, len(events))
	}
	want := `vm1: MIGRATION: data.status value "postcopy-future" not in the catalog, which knows QEMU up to 10.2; shown as sent
vm1: NEW_EVENT: event not in the catalog, which knows QEMU up to 10.2; shown as sent
vm1: RESET: data.extra not in the catalog, which knows QEMU up to 10.2; shown as sent
`
	for _, line := range strings.SplitAfter(want, "\n")[:3] {
		if c := strings.Count(errOut.String(), line); c != 1 {
			t.Errorf("%q noted %d times, want once; stderr:\n%s", line, c, errOut)
		}
	}
	if strings.Contains(errOut.String(), "violation") {
		t.Errorf("a newer QEMU's unknowns are no violation; stderr:\n%s", errOut)
	}
}
