package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/testkit/libvirtfake"
	"github.com/qmpwatch/qmpwatch/internal/testkit/libvirttest"
)

// lvEvent is one QEMU event as both virsh and qmpwatch show it.
type lvEvent struct {
	Name, VM        string
	Seconds, Micros int64
	Data            any // nil when QEMU sent none
}

func (e lvEvent) String() string {
	return fmt.Sprintf("%s %s %d.%06d %v", e.VM, e.Name, e.Seconds, e.Micros, e.Data)
}

// virshLine is `virsh qemu-monitor-event --loop` output (QEMU's own time).
var virshLine = regexp.MustCompile(`^event (\S+) at (\d+)\.(\d+) for domain '([^']*)': (.*)$`)

func parseVirsh(t *testing.T, out string) []lvEvent {
	var evs []lvEvent
	for _, line := range strings.Split(out, "\n") {
		m := virshLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		e := lvEvent{Name: m[1], VM: m[4]}
		// Base 10: virsh pads the microseconds with zeros, which Sscan
		// would read as octal.
		e.Seconds, _ = strconv.ParseInt(m[2], 10, 64)
		e.Micros, _ = strconv.ParseInt(m[3], 10, 64)
		if m[5] != "<null>" {
			e.Data = decodeNumbers(t, []byte(m[5]))
		}
		evs = append(evs, e)
	}
	return evs
}

func parseWatchJSON(t *testing.T, out string) []lvEvent {
	var evs []lvEvent
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var v struct {
			Timestamp struct{ Seconds, Microseconds int64 }
			Event     string
			Data      json.RawMessage
			VM        string
		}
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("bad json line %q: %v", line, err)
		}
		e := lvEvent{Name: v.Event, VM: v.VM, Seconds: v.Timestamp.Seconds, Micros: v.Timestamp.Microseconds}
		if v.Data != nil {
			e.Data = decodeNumbers(t, v.Data)
		}
		evs = append(evs, e)
	}
	return evs
}

func decodeNumbers(t *testing.T, b []byte) any {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("bad json %q: %v", b, err)
	}
	return v
}

// startRun runs qmpwatch through run() until the test ends, and waits for
// want on stderr.
func startRun(t *testing.T, ctx context.Context, want string, args ...string) (stdout, stderr *syncBuffer, code <-chan int) {
	t.Helper()
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	c := make(chan int, 1)
	go func() {
		c <- run(ctx, args, &iostreams.Streams{In: strings.NewReader(""), Out: stdout, ErrOut: stderr})
	}()
	waitFor(t, stderr, want)
	return stdout, stderr, c
}

// TestLibvirtReal watches a real libvirtd's domains with watch, jobs and
// sessions at once while virsh drives them, and compares watch's output
// with what `virsh qemu-monitor-event --loop` saw at the same time.
func TestLibvirtReal(t *testing.T) {
	d := libvirttest.Start(t)
	one := d.Start("lvw-one")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	virshOut := &syncBuffer{}
	virsh := exec.Command("virsh", "-c", d.URI, "qemu-monitor-event", "--loop")
	virsh.Stdout = virshOut
	if err := virsh.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { virsh.Process.Kill(); virsh.Wait() })

	watchOut, watchErr, watchCode := startRun(t, ctx, "connected to lvw-one", "watch", d.URI, "-o", "json")
	jobsOut, _, _ := startRun(t, ctx, "connected to lvw-one", "jobs", d.URI, "-o", "json")
	sessOut, _, _ := startRun(t, ctx, "connected to lvw-one", "sessions", d.URI, "--domain", "lvw-*", "-o", "json")

	// --domain keeps only the domains that match, including later ones.
	twoOut, twoErr, _ := startRun(t, ctx, "no running domain matches yet", "watch", d.URI, "--domain", "lvw-tw*", "-o", "json")

	// Filters, --count and --record work as with a socket.
	rec := filepath.Join(t.TempDir(), "rec.jsonl")
	countOut, countErr, countCode := startRun(t, ctx, "connected to lvw-one", "watch", d.URI, "-e", "BLOCK_JOB_READY", "--count", "1", "--record", rec, "-o", "json")

	// virsh says nothing once it listens: pause and resume until it has
	// seen a RESUME, then compare from its first event on.
	for i := 0; !strings.Contains(virshOut.String(), "RESUME"); i++ {
		if i == 60 {
			t.Fatalf("virsh qemu-monitor-event saw nothing: %s", virshOut)
		}
		d.Virsh("suspend", one.Name)
		d.Virsh("resume", one.Name)
		time.Sleep(500 * time.Millisecond)
	}

	// The CD-ROM first: right after a reset the firmware holds the tray.
	iso := filepath.Join(d.Dir, "cd.iso")
	if err := os.WriteFile(iso, make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	d.Virsh("change-media", one.Name, "hdc", iso, "--insert")
	d.Virsh("change-media", one.Name, "hdc", "--eject")
	d.Virsh("suspend", one.Name)
	d.Virsh("resume", one.Name)
	d.Virsh("blockcopy", one.Name, "vda", filepath.Join(d.Dir, "copy.qcow2"), "--transient-job", "--wait")
	d.Virsh("blockjob", one.Name, "vda", "--pivot")
	d.Virsh("reset", one.Name)

	// A VNC client comes and goes.
	display := strings.TrimSpace(d.Virsh("vncdisplay", one.Name))
	var port int
	fmt.Sscanf(display[strings.LastIndex(display, ":")+1:], "%d", &port)
	vnc, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", 5900+port))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, watchOut, `"VNC_CONNECTED"`)
	vnc.Close()
	waitFor(t, watchOut, `"VNC_DISCONNECTED"`)

	// A domain that starts while watching appears, and its end is told.
	d.Start("lvw-two")
	waitFor(t, watchErr, "connected to lvw-two")
	d.Virsh("destroy", "lvw-two")
	waitFor(t, watchErr, "lvw-two: domain stopped (destroyed)")

	// The last event of the run on both sides ends the comparison.
	d.Virsh("suspend", one.Name)
	waitFor(t, virshOut, "STOP")
	deadline := time.Now().Add(30 * time.Second)
	var want, got []lvEvent
	for {
		want, got = parseVirsh(t, virshOut.String()), parseWatchJSON(t, watchOut.String())
		if len(want) > 0 && len(got) > 0 && want[len(want)-1].String() == got[len(got)-1].String() || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	// watch started before virsh listened: align on virsh's first event.
	start := -1
	for i, e := range got {
		if reflect.DeepEqual(e, want[0]) {
			start = i
			break
		}
	}
	if start < 0 {
		t.Fatalf("virsh's first event %s is not in watch's output", want[0])
	}
	if !reflect.DeepEqual(got[start:], want) {
		t.Errorf("watch and virsh differ\nwatch:\n%s\nvirsh:\n%s", list(got[start:]), list(want))
	}
	t.Logf("watch and virsh agree on %d events", len(want))
	names := map[string]bool{}
	for _, e := range got {
		names[e.Name] = true
	}
	for _, n := range []string{"STOP", "RESUME", "RESET", "DEVICE_TRAY_MOVED", "BLOCK_JOB_READY", "JOB_STATUS_CHANGE", "VNC_CONNECTED"} {
		if !names[n] {
			t.Errorf("no %s in watch's output", n)
		}
	}

	select {
	case c := <-countCode:
		if c != 0 || strings.Count(countOut.String(), "\n") != 1 || !strings.Contains(countOut.String(), `"event":"BLOCK_JOB_READY"`) {
			t.Errorf("--count 1: exit %d, %q, %s", c, countOut, countErr)
		}
	case <-time.After(30 * time.Second):
		t.Error("--count 1 did not end")
	}
	if b, err := os.ReadFile(rec); err != nil || !bytes.Contains(b, []byte(`"event":"STOP"`)) {
		t.Errorf("--record: %v %s", err, b)
	}

	waitFor(t, twoErr, "lvw-two: domain stopped (destroyed)")
	if two := parseWatchJSON(t, twoOut.String()); len(two) == 0 || strings.Contains(twoOut.String(), "lvw-one") {
		t.Errorf("--domain lvw-tw*:\n%s", twoOut)
	}

	waitFor(t, jobsOut, `"change":"end"`)
	if !strings.Contains(jobsOut.String(), `"vm":"lvw-one"`) || !strings.Contains(jobsOut.String(), `"status":"ready"`) {
		t.Errorf("jobs:\n%s", jobsOut)
	}
	waitFor(t, sessOut, `"change":"end"`)
	if !strings.Contains(sessOut.String(), `"protocol":"vnc"`) {
		t.Errorf("sessions:\n%s", sessOut)
	}

	// status: one row per domain from libvirt's state and reason.
	s, out, errOut := testStreams("")
	if code := run(context.Background(), []string{"status", d.URI, "-o", "json"}, s); code != 0 {
		t.Fatalf("status: exit %d: %s", code, errOut)
	}
	for _, w := range []string{`"vm":"lvw-one"`, `"status":"paused"`, `"state":"paused"`, `"reason":"user"`, `"vm":"lvw-two"`, `"state":"shut off"`, `"reason":"destroyed"`} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("status lacks %s:\n%s", w, out)
		}
	}
	s, _, errOut = testStreams("")
	if code := run(context.Background(), []string{"status", d.URI, "--domain", "lvw-onee"}, s); code != 1 || !strings.Contains(errOut.String(), "did you mean lvw-one?") {
		t.Errorf("unknown --domain: exit %d: %s", code, errOut)
	}

	s, _, errOut = testStreams("")
	if code := run(context.Background(), []string{"watch", d.URI, "--domain", "lvw-onee"}, s); code != 1 || !strings.Contains(errOut.String(), "unknown --domain lvw-onee; did you mean lvw-one?") {
		t.Errorf("watch, unknown --domain: exit %d: %s", code, errOut)
	}

	cancel()
	if code := <-watchCode; code != 0 {
		t.Errorf("watch exit %d: %s", code, watchErr)
	}
}

func list(evs []lvEvent) string {
	var b strings.Builder
	for _, e := range evs {
		b.WriteString("  " + e.String() + "\n")
	}
	return b.String()
}

// TestLibvirtReconnect: a libvirtd restart is a gap, told on stderr and by
// --markers, and watching goes on; a stopped domain's end is a marker too.
func TestLibvirtReconnect(t *testing.T) {
	d := libvirttest.Start(t)
	d.Start("lvr-one")
	t.Setenv("LIBVIRT_DEFAULT_URI", d.URI) // `libvirt` is the private daemon
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, errOut, code := startRun(t, ctx, "connected to lvr-one", "watch", "libvirt", "--domain", "lvr-*", "--reconnect", "--markers", "-o", "json")
	idleOut, idleErr, idleCode := startRun(t, ctx, "no running domain matches yet", "watch", d.URI, "--domain", "lvr-later*", "--markers", "-o", "json")
	d.Restart()
	waitFor(t, errOut, "reconnected to lvr-one")
	waitFor(t, out, `"QMPWATCH_RECONNECTED"`)
	if !strings.Contains(out.String(), `"data":{"reason":"libvirtd closed the connection"},"vm":"lvr-one"}`) {
		t.Errorf("no disconnected marker before the reconnect:\n%s", out)
	}
	d.Virsh("suspend", "lvr-one")
	waitFor(t, out, `"STOP"`)
	d.Virsh("destroy", "lvr-one")
	waitFor(t, out, `"reason":"domain stopped (destroyed)"`)
	// Without --reconnect, the libvirtd restart ended the idle watch: a
	// normal end, as QEMU closing a socket is.
	select {
	case c := <-idleCode:
		if c != 0 || idleOut.String() != "" || !strings.Contains(idleErr.String(), d.URI+": libvirtd closed the connection\n") {
			t.Errorf("idle watch: exit %d, stdout %q, stderr %s", c, idleOut, idleErr)
		}
	case <-time.After(30 * time.Second):
		t.Error("the idle watch did not end when libvirtd went away")
	}
	cancel()
	if c := <-code; c != 0 {
		t.Errorf("exit %d: %s", c, errOut)
	}
	for _, w := range []string{"lvr-one: libvirtd closed the connection; reconnecting", "lvr-one: domain stopped (destroyed)"} {
		if !strings.Contains(errOut.String(), w) {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
		}
	}
}

// TestLibvirtTrackerState: jobs on a libvirt URI shows each domain with
// libvirt's state at connect (no query-status: nothing goes to QEMU), then
// as the events change it; a libvirtd that goes away ends the run.
func TestLibvirtTrackerState(t *testing.T) {
	f := libvirtfake.Start(t,
		libvirtfake.Domain{Name: "web1", ID: 1, State: 3, Reason: 1}, // paused (user)
		libvirtfake.Domain{Name: "db1", ID: 2, State: 1, Reason: 1})  // running (booted)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, errOut, code := startRun(t, ctx, "connected to db1", "jobs", f.URI, "-o", "table")
	waitFor(t, errOut, "connected to web1")
	f.MonitorEvent("db1", "STOP", 10, 1, "") // web1 has no event: its state stays libvirt's
	f.Drop()
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("exit %d: %s", c, errOut)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("jobs did not end when libvirtd went away")
	}
	for _, w := range []string{"web1: paused\n", "db1: paused\n"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("no %q in:\n%s", w, out)
		}
	}
	if !strings.Contains(errOut.String(), "connected to web1 (QEMU 7.2.0, paused (user)) at ") {
		t.Errorf("stderr:\n%s", errOut)
	}
	for _, p := range f.Procs() {
		if p.Program == libvirtfake.ProgramQEMU && p.Number == 1 {
			t.Error("a QMP command went through libvirt")
		}
	}
}

// --domain completes the names of the URI's domains, read from libvirt
// (through cobra's __complete, as the shells ask), with nothing else sent.
func TestLibvirtCompleteDomains(t *testing.T) {
	f := libvirtfake.Start(t,
		libvirtfake.Domain{Name: "web1", ID: 1, State: 1, Reason: 1},
		libvirtfake.Domain{Name: "web2", ID: 2, State: 1, Reason: 1},
		libvirtfake.Domain{Name: "db1", ID: 3, State: 1, Reason: 1})
	streams, out, errOut := testStreams("")
	if code := run(context.Background(), []string{"__complete", "watch", f.URI, "--domain", "we"}, streams); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(got) != 3 || got[0] != "web1" || got[1] != "web2" || !strings.HasPrefix(got[2], ":") {
		t.Errorf("completions %q", got)
	}
}
