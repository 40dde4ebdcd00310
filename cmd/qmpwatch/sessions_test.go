package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/testkit/conntest"
	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
)

func recordingPath(name string) string {
	return filepath.Join("..", "..", "testdata", "recordings", name)
}

// jsonRecords decodes json lines keeping numbers exact.
func jsonRecords(t *testing.T, out string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	for dec.More() {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("bad json output: %v\n%s", err, out)
		}
		recs = append(recs, m)
	}
	return recs
}

func TestSessionsReplayRecordings(t *testing.T) {
	type rec struct{ change, id, client, start, end string }
	cases := []struct {
		file string
		want []rec
	}{
		{"spice.qmp", []rec{
			{"start", "1093971", "127.0.0.1:47746", "2026-11-21T05:47:14.005558Z", "<nil>"},
			{"end", "1093971", "127.0.0.1:47746", "2026-11-21T05:47:14.005558Z", "2026-11-21T05:47:14.360751Z"},
		}},
		{"spice2.qmp", []rec{
			{"start", "-36357358", "127.0.0.1:60232", "2026-11-21T05:47:14.510447Z", "<nil>"},
			{"start", "-1914746245", "127.0.0.1:60248", "2026-11-21T05:47:14.535169Z", "<nil>"},
			{"end", "-36357358", "127.0.0.1:60232", "2026-11-21T05:47:14.510447Z", "2026-11-21T05:47:15.040015Z"},
			{"end", "-1914746245", "127.0.0.1:60248", "2026-11-21T05:47:14.535169Z", "2026-11-21T05:47:15.070760Z"},
		}},
		{"vnc.qmp", []rec{
			{"start", "<nil>", "127.0.0.1:37148", "2026-11-21T05:47:16.155434Z", "<nil>"},
			{"end", "<nil>", "127.0.0.1:37148", "2026-11-21T05:47:16.155434Z", "2026-11-21T05:47:16.356772Z"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			streams, out, errOut := testStreams("")
			if code := run(context.Background(), []string{"sessions", "--replay", recordingPath(tc.file)}, streams); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			recs := jsonRecords(t, out.String())
			var got []rec
			for _, r := range recs {
				got = append(got, rec{r["change"].(string), str(r["id"]), r["client"].(string), str(r["start"]), str(r["end"])})
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("records\n%v\nwant\n%v", got, tc.want)
			}
			if last := recs[len(recs)-1]; strings.HasPrefix(tc.file, "spice") {
				if ch := strings.Join(strs(last["channels"]), ","); ch != "main,display,inputs,cursor" || last["tls"] != false || last["protocol"] != "spice" {
					t.Errorf("end record %v", last)
				}
			}
			if errOut.String() != "" {
				t.Errorf("stderr: %s", errOut)
			}
		})
	}
}

func str(v any) string {
	if v == nil {
		return "<nil>"
	}
	if n, ok := v.(json.Number); ok {
		return n.String()
	}
	return v.(string)
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestSessionsReplayTable(t *testing.T) {
	streams, out, errOut := testStreams("")
	streams.OutTTY = true // a terminal, but a replay: only the final table
	args := []string{"sessions", "--replay", "--time", "utc", "--color", "never", recordingPath("spice2.qmp"), recordingPath("vnc.qmp")}
	if code := run(context.Background(), args, streams); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := `spice2: shutdown (host-qmp-quit)
vnc: shutdown (host-qmp-quit)
VM      PROTO  CLIENT           ID           START                        DURATION  STATE  TLS  AUTH  USER  CHANNELS
spice2  spice  127.0.0.1:60232  -36357358    2026-11-21T05:47:14.510447Z  530ms     ended  no   none  -     main,display,inputs,cursor
spice2  spice  127.0.0.1:60248  -1914746245  2026-11-21T05:47:14.535169Z  536ms     ended  no   none  -     main,display,inputs,cursor
vnc     vnc    127.0.0.1:37148  -            2026-11-21T05:47:16.155434Z  201ms     ended  no   none  -     -
`
	if out.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", out, want)
	}
}

// hostileVNC is a VNC session whose client-chosen names try to drive the
// terminal.
const hostileVNC = `{"timestamp": {"seconds": 1700000000, "microseconds": 1}, "event": "VNC_CONNECTED", "data": {"server": {"auth": "sasl", "family": "ipv4", "service": "5901", "host": "0.0.0.0", "websocket": false}, "client": {"family": "ipv4", "service": "4000", "host": "10.1.1.1", "websocket": false}}}
{"timestamp": {"seconds": 1700000001, "microseconds": 1}, "event": "VNC_INITIALIZED", "data": {"server": {"auth": "sasl", "family": "ipv4", "service": "5901", "host": "0.0.0.0", "websocket": false}, "client": {"family": "ipv4", "service": "4000", "host": "10.1.1.1", "websocket": false, "sasl_username": "eve\u001b[2J\u202e", "x509_dname": "CN=x"}}}
`

func TestSessionsEscapeWireStrings(t *testing.T) {
	streams, out, errOut := testStreams(hostileVNC)
	if code := run(context.Background(), []string{"sessions", "--replay", "-", "-o", "table", "--label", "vm9"}, streams); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.ContainsAny(out.String(), "\x1b\u202e") || !strings.Contains(out.String(), `eve\x1b[2J\u202e CN=x`) {
		t.Errorf("table not escaped:\n%q", out)
	}
	if !strings.Contains(out.String(), "vm9  ") || !strings.Contains(out.String(), "open") {
		t.Errorf("want the open session of vm9:\n%s", out)
	}
	streams, out, _ = testStreams(hostileVNC)
	run(context.Background(), []string{"sessions", "--replay", "-", "-o", "json"}, streams)
	recs := jsonRecords(t, out.String())
	if len(recs) != 1 || recs[0]["vm"] != "stdin" || recs[0]["end"] != nil {
		t.Fatalf("records %v", recs)
	}
	if !bytes.Contains(out.Bytes(), []byte(`"auth":"sasl"`)) {
		t.Errorf("no auth in %s", out)
	}
}

func TestSessionsUsage(t *testing.T) {
	for _, args := range [][]string{
		{"sessions"},
		{"sessions", "--replay"},
		{"sessions", "-o", "template", "x.qmp"},
		{"jobs"},
		{"status"},
	} {
		streams, out, errOut := testStreams("")
		if code := run(context.Background(), args, streams); code != exitcode.Usage {
			t.Errorf("%v: exit %d, want %d", args, code, exitcode.Usage)
		}
		if out.Len() != 0 || strings.Count(errOut.String(), "qmpwatch: ") != 1 {
			t.Errorf("%v: stdout %q stderr %q", args, out, errOut)
		}
	}
	streams, _, errOut := testStreams("")
	if code := run(context.Background(), []string{"sessions", "--replay", filepath.Join(t.TempDir(), "none.log")}, streams); code != exitcode.Error {
		t.Errorf("missing file: exit %d", code)
	}
	if strings.Count(errOut.String(), "\n") != 1 {
		t.Errorf("missing file: stderr %q", errOut)
	}
}

// trackVM is a fake monitor that answers query-name and query-status, then
// sends events and closes.
func trackVM(t *testing.T, name, status string, events ...string) *conntest.Server {
	return conntest.NewServer(t, func(p *conntest.Peer) error {
		if err := p.HandshakeStatus(name, status); err != nil {
			return err
		}
		for _, e := range events {
			if err := p.SendLine(e); err != nil {
				return err
			}
		}
		return nil
	})
}

func recordingEvents(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(recordingPath(name))
	if err != nil {
		t.Fatal(err)
	}
	var evs []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, `"event"`) {
			evs = append(evs, strings.TrimSpace(l))
		}
	}
	return evs
}

func TestSessionsLiveTwoVMs(t *testing.T) {
	evs := recordingEvents(t, "spice.qmp")
	a := trackVM(t, "vm-a", "running", evs[:len(evs)-2]...) // the main channel never leaves
	b := trackVM(t, "vm-b", "paused", recordingEvents(t, "vnc.qmp")...)
	streams, out, errOut := testStreams("")
	if code := run(context.Background(), []string{"sessions", a.Addr, b.Addr}, streams); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	recs := jsonRecords(t, out.String())
	byVM := map[string][]string{}
	for _, r := range recs {
		byVM[r["vm"].(string)] = append(byVM[r["vm"].(string)], r["change"].(string)+" "+r["protocol"].(string))
	}
	want := map[string][]string{"vm-a": {"start spice", "end spice"}, "vm-b": {"start vnc", "end vnc"}}
	if !reflect.DeepEqual(byVM, want) {
		t.Errorf("records %v, want %v", byVM, want)
	}
	// vm-a's session ended when its monitor closed, not by an event.
	for _, r := range recs {
		if r["vm"] == "vm-a" && r["change"] == "end" && r["end"] == nil {
			t.Errorf("vm-a's end record has no end time: %v", r)
		}
	}
	for _, w := range []string{"connected to vm-a (QEMU 7.2.22, running) at " + a.Addr, "connected to vm-b (QEMU 7.2.22, paused) at " + b.Addr} {
		if !strings.Contains(errOut.String(), w) {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
		}
	}
}

// On a terminal the view is full-screen: the alternate screen, the final
// table after the monitor closed, q to leave, the screen restored.
func TestSessionsLiveFullScreen(t *testing.T) {
	a := trackVM(t, "vm-a", "running", recordingEvents(t, "vnc.qmp")...)
	keys, typed := io.Pipe()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	streams := &iostreams.Streams{In: keys, Out: out, ErrOut: errOut, OutTTY: true}
	done := make(chan int, 1)
	go func() { done <- run(context.Background(), []string{"sessions", a.Addr}, streams) }()
	waitFor(t, out, "QEMU closed the connection")
	typed.Write([]byte("q"))
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	s := out.String()
	enter, leave := strings.Index(s, "\x1b[?1049h"), strings.LastIndex(s, "\x1b[?1049l")
	if enter < 0 || leave < enter {
		t.Errorf("the alternate screen was not entered and left:\n%q", s)
	}
	for _, w := range []string{"shutdown (host-qmp-quit) · connection closed", "127.0.0.1:37148", "ended"} {
		if !strings.Contains(s, w) {
			t.Errorf("the screen never showed %q:\n%q", w, s)
		}
	}
	if errOut.String() != "" {
		t.Errorf("stderr under a full-screen view: %q", errOut)
	}
}

func TestSessionsLiveUnreachable(t *testing.T) {
	a := trackVM(t, "vm-a", "running", recordingEvents(t, "vnc.qmp")...)
	streams, out, errOut := testStreams("")
	missing := filepath.Join(t.TempDir(), "gone.qmp")
	if code := run(context.Background(), []string{"sessions", a.Addr, missing}, streams); code != exitcode.Error {
		t.Errorf("exit %d, want %d", code, exitcode.Error)
	}
	if len(jsonRecords(t, out.String())) != 2 {
		t.Errorf("the reachable VM's records are missing:\n%s", out)
	}
	if !strings.Contains(errOut.String(), "qmpwatch: "+missing+": no such socket") {
		t.Errorf("stderr %s", errOut)
	}
}

// A live SPICE session of four channels and a VNC client on a real QEMU.
func TestSessionsRealQEMU(t *testing.T) {
	qemutest.Need(t)
	vm := qemutest.Start(t, qemutest.Options{Name: "vm-disp", Spice: true, VNC: true})
	out, errOut := &syncBuffer{}, &syncBuffer{}
	streams := &iostreams.Streams{In: strings.NewReader(""), Out: out, ErrOut: errOut}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"sessions", vm.Monitor}, streams) }()
	waitFor(t, errOut, "connected to vm-disp (QEMU 7.2")

	closeSpice := qemutest.SpiceSession(t, vm.SpiceAddr(), qemutest.SpiceDisplay, qemutest.SpiceInputs, qemutest.SpiceCursor)
	closeSpice()
	waitFor(t, out, `"change":"end","vm":"vm-disp","protocol":"spice"`)
	closeVNC := qemutest.VNCClient(t, vm.VNCAddr(t))
	closeVNC()
	waitFor(t, out, `"change":"end","vm":"vm-disp","protocol":"vnc"`)
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	recs := jsonRecords(t, out.String())
	if len(recs) != 4 {
		t.Fatalf("%d records, want 4:\n%s", len(recs), out)
	}
	spiceEnd := recs[1]
	if ch := strings.Join(strs(spiceEnd["channels"]), ","); ch != "main,display,inputs,cursor" || spiceEnd["end"] == nil || spiceEnd["id"] == nil {
		t.Errorf("spice end record %v", spiceEnd)
	}
	if recs[0]["id"].(json.Number) != spiceEnd["id"].(json.Number) {
		t.Errorf("start id %v, end id %v", recs[0]["id"], spiceEnd["id"])
	}
}

// sessions and jobs read the same merged sources as watch: a quoted glob
// is expanded by qmpwatch, and --dir picks up the sockets of a folder.
func TestTrackersGlobAndDir(t *testing.T) {
	a := trackVM(t, "vm-a", "running", recordingEvents(t, "vnc.qmp")...)
	glob := filepath.Join(filepath.Dir(a.Addr), "*.qmp")
	streams, out, errOut := testStreams("")
	if code := run(context.Background(), []string{"sessions", glob}, streams); code != 0 {
		t.Fatalf("glob: exit %d: %s", code, errOut)
	}
	if recs := jsonRecords(t, out.String()); len(recs) != 2 || recs[0]["vm"] != "vm-a" {
		t.Errorf("glob: records %v", recs)
	}

	b := trackVM(t, "vm-b", "running", recordingEvents(t, "blockjobs.qmp")...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"jobs", "--dir", filepath.Dir(b.Addr), "-o", "json"}, &iostreams.Streams{In: strings.NewReader(""), Out: stdout, ErrOut: stderr})
	}()
	// --dir runs until interrupted: wait for the job's end record.
	waitFor1(t, stdout, `"change":"end"`, 1)
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("--dir: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr.String(), "connected to vm-b (QEMU 7.2.22, running)") {
		t.Errorf("--dir: stderr %s", stderr)
	}
}
