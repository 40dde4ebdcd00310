package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/pipeline"
	"github.com/qmpwatch/qmpwatch/internal/testkit/conntest"
)

// recordedEvents returns the event lines of a real QEMU recording, as QEMU
// sent them (without the line end).
func recordedEvents(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "recordings", name))
	if err != nil {
		t.Fatal(err)
	}
	var evs []string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimRight(line, "\r")
		if m, err := decode.ScanMessage([]byte(line)); err == nil && m.Kind == decode.MsgEvent {
			evs = append(evs, line)
		}
	}
	if len(evs) == 0 {
		t.Fatalf("%s holds no events", name)
	}
	return evs
}

// lingeringVM is a fake monitor that sends events and then keeps the
// connection open until the client leaves, as a live VM does.
func lingeringVM(t *testing.T, events ...string) *conntest.Server {
	return conntest.NewServer(t, func(p *conntest.Peer) error {
		if err := p.Handshake("vm1"); err != nil {
			return err
		}
		for _, e := range events {
			if err := p.SendLine(e); err != nil {
				return err
			}
		}
		// Answer what a client may still ask, as QEMU would, until it leaves.
		return p.Serve(conntest.Replies{"query-status": conntest.Return(conntest.Running)})
	})
}

type wireEvent struct {
	Event string         `json:"event"`
	Data  map[string]any `json:"data"`
	VM    string         `json:"vm"`
}

func parseLines(t *testing.T, out string) []wireEvent {
	t.Helper()
	var evs []wireEvent
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if l == "" {
			continue
		}
		var e wireEvent
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("output line %q: %v", l, err)
		}
		evs = append(evs, e)
	}
	return evs
}

// TestWhereKeepsOneLinePerSpiceSession is the mission's example on real
// recordings: -e SPICE_INITIALIZED -w client.channel-type==1 keeps exactly
// the main channel, one line per session.
func TestWhereKeepsOneLinePerSpiceSession(t *testing.T) {
	for _, rec := range []string{"spice.qmp", "spice2.qmp", "spice-takeover.qmp"} {
		t.Run(rec, func(t *testing.T) {
			evs := recordedEvents(t, rec)
			// The oracle: encoding/json's view of the same lines.
			var want []string
			sessions := map[string]bool{}
			for _, l := range evs {
				var e struct {
					Event string
					Data  struct {
						Client struct {
							ChannelType  json.Number `json:"channel-type"`
							ConnectionID json.Number `json:"connection-id"`
						}
					}
				}
				if err := json.Unmarshal([]byte(l), &e); err != nil {
					t.Fatal(err)
				}
				sessions[e.Data.Client.ConnectionID.String()] = e.Event == "SPICE_INITIALIZED" || sessions[e.Data.Client.ConnectionID.String()]
				if e.Event == "SPICE_INITIALIZED" && e.Data.Client.ChannelType == "1" {
					want = append(want, e.Data.Client.ConnectionID.String())
				}
			}
			s := fakeVM(t, "vm-spice", evs...)
			streams, out, errOut := testStreams("")
			code := run(context.Background(), []string{"watch", s.Addr, "--schema", "builtin", "-o", "json", "-e", "SPICE_INITIALIZED", "-w", "client.channel-type==1"}, streams)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			got := parseLines(t, out.String())
			if len(got) != len(want) {
				t.Fatalf("kept %d events, want %d:\n%s", len(got), len(want), out)
			}
			for i, e := range got {
				id := string(mustJSON(t, e.Data["client"].(map[string]any)["connection-id"]))
				if e.Event != "SPICE_INITIALIZED" || id != want[i] {
					t.Errorf("line %d: %s connection-id %s, want SPICE_INITIALIZED %s", i, e.Event, id, want[i])
				}
			}
			if n := countTrue(sessions); len(got) != n {
				t.Errorf("%d lines for %d SPICE sessions", len(got), n)
			}
			if strings.Contains(errOut.String(), "warning") {
				t.Errorf("unexpected warning: %s", errOut)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func countTrue(m map[string]bool) int {
	n := 0
	for _, v := range m {
		if v {
			n++
		}
	}
	return n
}

// TestFilterFlags runs the filter flags through run on the recorded block
// jobs and lifecycle sessions; the expected event names come from an
// independent reading of the recording with encoding/json.
func TestFilterFlags(t *testing.T) {
	type ev struct {
		Event string
		Data  map[string]any
	}
	tests := []struct {
		rec  string
		args []string
		keep func(e ev) bool
	}{
		{"blockjobs.qmp", []string{"-e", "block_job_*"}, func(e ev) bool { return strings.HasPrefix(e.Event, "BLOCK_JOB_") }},
		{"blockjobs.qmp", []string{"-e", "BLOCK_JOB_READY,BLOCK_JOB_COMPLETED"}, func(e ev) bool { return e.Event == "BLOCK_JOB_READY" || e.Event == "BLOCK_JOB_COMPLETED" }},
		{"blockjobs.qmp", []string{"-e", "BLOCK_JOB_READY", "-e", "SHUTDOWN"}, func(e ev) bool { return e.Event == "BLOCK_JOB_READY" || e.Event == "SHUTDOWN" }},
		{"blockjobs.qmp", []string{"-x", "JOB_STATUS_CHANGE"}, func(e ev) bool { return e.Event != "JOB_STATUS_CHANGE" }},
		{"blockjobs.qmp", []string{"-e", "*JOB*", "-x", "JOB_*"}, func(e ev) bool { return strings.HasPrefix(e.Event, "BLOCK_JOB") }},
		{"blockjobs.qmp", []string{"-w", "status==ready"}, func(e ev) bool { return e.Data["status"] == "ready" }},
		{"blockjobs.qmp", []string{"-w", "device==job2", "-e", "BLOCK_JOB_*"}, func(e ev) bool { return e.Data["device"] == "job2" && strings.HasPrefix(e.Event, "BLOCK_JOB_") }},
		// JobStatus has a value "null", a string: unquoted null matches it too.
		{"blockjobs.qmp", []string{"-w", "id~^job[13]$", "-w", "status!=null"}, func(e ev) bool {
			return (e.Data["id"] == "job1" || e.Data["id"] == "job3") && e.Data["status"] != "null"
		}},
		{"blockjobs.qmp", []string{"-w", "status==null"}, func(e ev) bool { s, ok := e.Data["status"]; return !ok || s == "null" }}, // missing is null, as in jq
		{"blockjobs.qmp", []string{"-w", `status=="null"`}, func(e ev) bool { return e.Data["status"] == "null" }},
		{"blockjobs.qmp", []string{"-w", "len>0"}, func(e ev) bool { n, ok := e.Data["len"].(float64); return ok && n > 0 }},
		{"blockjobs.qmp", []string{"-f", `.event == "BLOCK_JOB_ERROR" and .data.action == "stop"`}, func(e ev) bool { return e.Event == "BLOCK_JOB_ERROR" && e.Data["action"] == "stop" }},
		{"blockjobs.qmp", []string{"-f", `select(.data.type == "mirror")`, "-e", "BLOCK_JOB_CANCELLED"}, func(e ev) bool { return e.Event == "BLOCK_JOB_CANCELLED" && e.Data["type"] == "mirror" }},
		{"lifecycle.qmp", []string{"-w", "guest==false"}, func(e ev) bool { return e.Data["guest"] == false }},
		{"lifecycle.qmp", []string{"-w", "tray-open"}, func(e ev) bool { return e.Data["tray-open"] == true }},
		{"lifecycle.qmp", []string{"-f", ".data.reason"}, func(e ev) bool { return e.Data["reason"] != nil }},
	}
	for _, tc := range tests {
		t.Run(tc.rec+" "+strings.Join(tc.args, " "), func(t *testing.T) {
			evs := recordedEvents(t, tc.rec)
			var want []string
			for _, l := range evs {
				var e ev
				if err := json.Unmarshal([]byte(l), &e); err != nil {
					t.Fatal(err)
				}
				if tc.keep(e) {
					want = append(want, e.Event)
				}
			}
			if len(want) == 0 || len(want) == len(evs) {
				t.Fatalf("the case does not filter: %d of %d events", len(want), len(evs))
			}
			s := fakeVM(t, "vm1", evs...)
			streams, out, errOut := testStreams("")
			code := run(context.Background(), append([]string{"watch", s.Addr, "--schema", "builtin", "-o", "json"}, tc.args...), streams)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var got []string
			for _, e := range parseLines(t, out.String()) {
				got = append(got, e.Event)
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("kept\n%v\nwant\n%v", got, want)
			}
		})
	}
}

// TestFilterErrorsBeforeConnecting: bad expressions end the run with their
// exit code and one clear message, before any connection is tried (the
// address does not exist, so connecting would fail with exit 1).
func TestFilterErrorsBeforeConnecting(t *testing.T) {
	nowhere := filepath.Join(t.TempDir(), "none.qmp")
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"-f", ".event == )"}, exitcode.Expr,
			"qmpwatch: --filter: invalid jq expression: unexpected token \")\"\n    .event == )\n              ^\n"},
		{[]string{"--jq", "select(.data | frob)"}, exitcode.Expr,
			"qmpwatch: --jq: invalid jq expression: function not defined: frob/0\n    select(.data | frob)\n                   ^\n"},
		{[]string{"-f", "$nope"}, exitcode.Expr, "qmpwatch: --filter: invalid jq expression: variable not defined: $nope\n    $nope\n    ^\n"},
		{[]string{"-w", "client.channel-type=="}, exitcode.Usage,
			"qmpwatch: --where \"client.channel-type==\": expected a value after \"==\" (column 22)\nRun 'qmpwatch watch --help' for usage.\n"},
		{[]string{"-w", "client channel"}, exitcode.Usage,
			"qmpwatch: --where \"client channel\": expected an operator (==, !=, <, <=, >, >=, ~, !~) after \"client\", found \"c\" (column 8)\nRun 'qmpwatch watch --help' for usage.\n"},
		{[]string{"-e", "BLOCK_[JOB"}, exitcode.Usage, "qmpwatch: bad event pattern \"BLOCK_[JOB\": syntax error in pattern\nRun 'qmpwatch watch --help' for usage.\n"},
		{[]string{"--until", "["}, exitcode.Usage, "qmpwatch: --until: bad event pattern \"[\": syntax error in pattern\nRun 'qmpwatch watch --help' for usage.\n"},
		{[]string{"--timeout", "1s"}, exitcode.Usage, "qmpwatch: --timeout needs --count or --until: it bounds the wait for them\nRun 'qmpwatch watch --help' for usage.\n"},
		{[]string{"-n", "-1"}, exitcode.Usage, "qmpwatch: --count must be positive, got -1\nRun 'qmpwatch watch --help' for usage.\n"},
	}
	for _, tc := range tests {
		streams, out, errOut := testStreams("")
		code := run(context.Background(), append([]string{"watch", nowhere}, tc.args...), streams)
		if code != tc.code || errOut.String() != tc.stderr || out.Len() != 0 {
			t.Errorf("%q: exit %d, stdout %q, stderr:\n%s\nwant exit %d, stderr:\n%s", tc.args, code, out, errOut, tc.code, tc.stderr)
		}
	}
}

// TestFilterWarnings: a path or pattern no known event has gets one warning
// with the nearest real name, and the watch goes on.
func TestFilterWarnings(t *testing.T) {
	evs := recordedEvents(t, "spice.qmp")
	s := fakeVM(t, "vm-spice", evs...)
	streams, out, errOut := testStreams("")
	code := run(context.Background(), []string{"watch", s.Addr, "--schema", "builtin", "-o", "json", "-w", "client.channel_type==1", "-e", "SPICE_INITIALISED,SPICE_INITIALIZED"}, streams)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	wantErr := "qmpwatch: warning: no event matches -e SPICE_INITIALISED; did you mean SPICE_INITIALIZED?\n" +
		"qmpwatch: warning: no event matching -e SPICE_INITIALISED,SPICE_INITIALIZED has data.client.channel_type; did you mean client.channel-type?\n"
	if !strings.HasPrefix(errOut.String(), wantErr) {
		t.Errorf("stderr:\n%s\nwant it to start with:\n%s", errOut, wantErr)
	}
	if out.Len() != 0 {
		t.Errorf("client.channel_type matches nothing, yet stdout has:\n%s", out)
	}
}

// endingVM is a fake monitor that sends events and hangs up.
func endingVM(t *testing.T, events ...string) *conntest.Server { return fakeVM(t, "vm1", events...) }

// TestCountUntilTimeout covers how a script waits for events: exit 0 when
// they come, 4 when the stream ends first or the time runs out.
func TestCountUntilTimeout(t *testing.T) {
	evs := recordedEvents(t, "blockjobs.qmp")
	names := func(out string) string {
		var n []string
		for _, e := range parseLines(t, out) {
			n = append(n, e.Event)
		}
		return strings.Join(n, " ")
	}
	// The oracle for --until: everything up to and including the first READY.
	var upToReady []string
	for _, l := range evs {
		var e wireEvent
		json.Unmarshal([]byte(l), &e)
		upToReady = append(upToReady, e.Event)
		if e.Event == "BLOCK_JOB_READY" {
			break
		}
	}
	var allReady []string
	for _, l := range evs {
		if strings.Contains(l, `"BLOCK_JOB_READY"`) {
			allReady = append(allReady, "BLOCK_JOB_READY")
		}
	}
	tests := []struct {
		name   string
		vm     func(t *testing.T, evs ...string) *conntest.Server
		args   []string
		code   int
		stdout string
		stderr string // the last stderr line
	}{
		{"count reached on a live VM", lingeringVM, []string{"-e", "BLOCK_JOB_*", "-n", "2", "--timeout", "30s"}, 0,
			"BLOCK_JOB_READY BLOCK_JOB_COMPLETED", ""},
		{"until reached on a live VM", lingeringVM, []string{"--until", "block_job_ready", "--timeout", "30s"}, 0,
			strings.Join(upToReady, " "), ""},
		{"until with filters", lingeringVM, []string{"-e", "BLOCK_JOB_READY", "-w", "device==job2", "--until", "BLOCK_JOB_READY"}, 0,
			"BLOCK_JOB_READY", ""},
		{"count not reached when the stream ends", endingVM, []string{"-e", "BLOCK_JOB_READY", "-n", "5"}, exitcode.Timeout,
			strings.Join(allReady, " "), "qmpwatch: stream ended after 2 of 5 events"},
		{"until not reached when the stream ends", endingVM, []string{"-e", "STOP", "--until", "STOP"}, exitcode.Timeout,
			"", "qmpwatch: stream ended before STOP"},
		{"count and until not reached", endingVM, []string{"-e", "SHUTDOWN", "-n", "3", "--until", "RESET"}, exitcode.Timeout,
			"SHUTDOWN", "qmpwatch: stream ended after 1 of 3 events, before RESET"},
		{"count not reached in time", lingeringVM, []string{"-e", "BLOCK_JOB_READY", "-w", "device==job1", "-n", "2", "--timeout", "200ms"}, exitcode.Timeout,
			"BLOCK_JOB_READY", "qmpwatch: timeout: 1 of 2 events within 200ms"},
		{"until not reached in time", lingeringVM, []string{"--until", "RESET", "--timeout", "200ms", "-e", "nothing"}, exitcode.Timeout,
			"", "qmpwatch: timeout: no RESET within 200ms"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.vm(t, evs...)
			streams, out, errOut := testStreams("")
			code := run(context.Background(), append([]string{"watch", s.Addr, "--schema", "builtin", "-o", "json"}, tc.args...), streams)
			lines := strings.Split(strings.TrimSuffix(errOut.String(), "\n"), "\n")
			last := lines[len(lines)-1]
			if strings.HasPrefix(last, "qmpwatch: connected") || strings.HasSuffix(last, "QEMU closed the connection") {
				last = ""
			}
			if code != tc.code || names(out.String()) != tc.stdout || last != tc.stderr {
				t.Errorf("exit %d, events %q, last stderr line %q\nwant exit %d, events %q, %q\nstderr:\n%s",
					code, names(out.String()), last, tc.code, tc.stdout, tc.stderr, errOut)
			}
		})
	}
}

// TestJQOutput: --jq prints results, strings raw and everything else as
// compact JSON with exact integers; on a terminal, wire strings are escaped.
func TestJQOutput(t *testing.T) {
	evs := []string{
		`{"timestamp": {"seconds": 1700000001, "microseconds": 6}, "event": "BLOCK_JOB_READY", "data": {"device": "job1", "len": 18446744073709551615, "offset": 9007199254740993, "speed": 0, "type": "mirror"}}`,
		`{"timestamp": {"seconds": 1700000002, "microseconds": 7}, "event": "VNC_INITIALIZED", "data": {"server": {"auth": "none", "family": "ipv4", "service": "5900", "host": "127.0.0.1", "websocket": false}, "client": {"family": "ipv4", "service": "41134", "host": "127.0.0.1", "websocket": false, "sasl_username": "evil\u001b[2Jname"}}}`,
		`{"timestamp": {"seconds": 1700000003, "microseconds": 8}, "event": "STOP"}`,
	}
	tests := []struct {
		jq   string
		tty  bool
		args []string
		want string
	}{
		{`.data.len`, false, nil, "18446744073709551615\nnull\nnull\n"},
		{`select(.event == "BLOCK_JOB_READY") | .data.offset + 1, .data.device`, false, nil, "9007199254740994\njob1\n"},
		{`select(.data.device) | .data | {device, len}`, false, nil, `{"device":"job1","len":18446744073709551615}` + "\n"},
		{`.event`, false, []string{"-x", "STOP"}, "BLOCK_JOB_READY\nVNC_INITIALIZED\n"},
		{`.event`, false, []string{"-n", "2"}, "BLOCK_JOB_READY\nVNC_INITIALIZED\n"},
		{`select(.event == "VNC_INITIALIZED") | .data.client.sasl_username`, false, nil, "evil\x1b[2Jname\n"},
		{`select(.event == "VNC_INITIALIZED") | .data.client.sasl_username`, true, nil, `evil\x1b[2Jname` + "\n"},
		{`select(.event == "VNC_INITIALIZED") | [.data.client.sasl_username]`, false, nil, `["evil\u001b[2Jname"]` + "\n"},
		{`.vm`, false, []string{"-f", `.event == "STOP"`}, "vm1\n"},
	}
	for _, tc := range tests {
		s := endingVM(t, evs...)
		streams, out, errOut := testStreams("")
		streams.OutTTY = tc.tty
		code := run(context.Background(), append([]string{"watch", s.Addr, "--schema", "builtin", "--jq", tc.jq, "--color", "never"}, tc.args...), streams)
		if code != 0 || out.String() != tc.want {
			t.Errorf("--jq %q %v (tty %v): exit %d, stdout %q, want %q; stderr %s", tc.jq, tc.args, tc.tty, code, out, tc.want, errOut)
		}
	}
}

// TestJQRunErrorsAreReported: an expression that fails on some events
// drops those, says why on stderr (a bounded number of times), and the
// stream goes on.
func TestJQRunErrorsAreReported(t *testing.T) {
	var evs []string
	for i := 0; i < 8; i++ {
		evs = append(evs, `{"timestamp": {"seconds": 1700000003, "microseconds": 8}, "event": "X", "data": {"n": `+string(rune('0'+i))+`}}`)
	}
	evs = append(evs, `{"timestamp": {"seconds": 1700000003, "microseconds": 8}, "event": "Y", "data": {"n": "7"}}`)
	s := fakeVM(t, "vm1", evs...)
	streams, out, errOut := testStreams("")
	code := run(context.Background(), []string{"watch", s.Addr, "--schema", "builtin", "-o", "json", "-f", `.data.n | test("7")`}, streams)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got := parseLines(t, out.String())
	if len(got) != 1 || got[0].Event != "Y" {
		t.Errorf("kept %v, want only Y", got)
	}
	if n := strings.Count(errOut.String(), "qmpwatch: --filter: X: "); n != pipeline.MaxRunErrors {
		t.Errorf("%d jq errors reported, want %d:\n%s", n, pipeline.MaxRunErrors, errOut)
	}
	if !strings.Contains(errOut.String(), "further jq errors are not shown") {
		t.Errorf("no note that errors were cut short:\n%s", errOut)
	}
}
