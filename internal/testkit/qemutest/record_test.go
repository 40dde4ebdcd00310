package qemutest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRecord regenerates testdata/recordings from real QEMU sessions:
//
//	QMPWATCH_RECORD=1 go test ./internal/testkit/qemutest -run TestRecord
//
// (QMPWATCH_RECORD_DIR=dir writes elsewhere.)
//
// Each .qmp file is the byte-exact stream QEMU sent on the tool's monitor
// (VM.Monitor), "\r\n" line ends included: the greeting, the replies to the
// recorder's qmp_capabilities, query-name (id 1) and query-status (id 2), then
// events and replies in arrival order, up to QEMU closing the socket. Every
// scenario ends in QEMU exiting, so no event can be missing at the end of a
// file. Before writing, each scenario checks that the events it exists for
// are in the stream, so a broken run cannot silently replace a good file.
func TestRecord(t *testing.T) {
	if os.Getenv("QMPWATCH_RECORD") != "1" {
		t.Skip("set QMPWATCH_RECORD=1 to regenerate testdata/recordings")
	}
	dir := filepath.Join("..", "..", "..", "testdata", "recordings")
	if d := os.Getenv("QMPWATCH_RECORD_DIR"); d != "" {
		dir = d // to try the recorder without touching the committed files
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, sc := range []struct {
		file string
		run  func(t *testing.T) []byte
	}{
		{"spice.qmp", recordSpice},
		{"spice2.qmp", recordSpice2},
		{"spice-takeover.qmp", recordSpiceTakeover},
		{"vnc.qmp", recordVNC},
		{"blockjobs.qmp", recordBlockJobs},
		{"lifecycle.qmp", recordLifecycle},
		{"guest.qmp", recordGuest},
		{"demo.qmp", recordDemo},
		{"schema.json", recordSchema},
	} {
		t.Run(sc.file, func(t *testing.T) {
			b := sc.run(t)
			if t.Failed() {
				return
			}
			if err := os.WriteFile(filepath.Join(dir, sc.file), b, 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}
}

const recTimeout = 30 * time.Second

// quit ends QEMU from the control monitor and waits until the recorder has
// seen the socket close. QEMU may close the control monitor before its reply
// to quit arrives, so that reply is not required.
func quit(t *testing.T, v *VM, r *Recorder) []byte {
	t.Helper()
	v.Do("quit", nil)
	return finish(t, v, r)
}

// finish waits for QEMU to exit on its own and for the recorder's EOF.
func finish(t *testing.T, v *VM, r *Recorder) []byte {
	t.Helper()
	r.WaitEOF(t, recTimeout)
	if err := v.Wait(recTimeout); err != nil {
		t.Errorf("QEMU exit: %v", err)
	}
	return r.Bytes()
}

// expectInOrder fails the test unless want is a subsequence of the recorded
// event names.
func expectInOrder(t *testing.T, rec []byte, want ...string) {
	t.Helper()
	var got []string
	for _, l := range bytes.Split(rec, []byte("\n")) {
		var m struct {
			Event string `json:"event"`
		}
		if json.Unmarshal(l, &m) == nil && m.Event != "" {
			got = append(got, m.Event)
		}
	}
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	if i < len(want) {
		t.Errorf("recorded events %v lack %v (in this order)", got, want[i:])
	}
}

func repeat(name string, n int) []string {
	var s []string
	for range n {
		s = append(s, name)
	}
	return s
}

func waitN(t *testing.T, v *VM, name string, n int) {
	t.Helper()
	for range n {
		v.WaitEvent(t, name, recTimeout)
	}
}

func recordSpice(t *testing.T) []byte {
	v := Start(t, Options{Name: "vm-spice", Spice: true})
	r := Record(t, v)
	closeSession := SpiceSession(t, v.SpiceAddr(), SpiceDisplay, SpiceInputs, SpiceCursor)
	waitN(t, v, "SPICE_INITIALIZED", 4)
	time.Sleep(200 * time.Millisecond)
	closeSession()
	waitN(t, v, "SPICE_DISCONNECTED", 4)
	b := quit(t, v, r)
	expectInOrder(t, b, append(append(repeat("SPICE_INITIALIZED", 4), repeat("SPICE_DISCONNECTED", 4)...), "SHUTDOWN")...)
	return b
}

// recordSpice2 interleaves two clients' sessions channel by channel. By
// default spice-server drops the first client when a second one links a main
// channel (see spice-takeover.qmp); SPICE_DEBUG_ALLOW_MC=1 lets both stay.
func recordSpice2(t *testing.T) []byte {
	v := Start(t, Options{Name: "vm-spice2", Spice: true, Env: []string{"SPICE_DEBUG_ALLOW_MC=1"}})
	r := Record(t, v)
	a, err := newSpiceSession(v.SpiceAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	b, err := newSpiceSession(v.SpiceAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	for _, ch := range []int{SpiceDisplay, SpiceInputs, SpiceCursor} {
		if err := a.addChannel(ch); err != nil {
			t.Fatal(err)
		}
		if err := b.addChannel(ch); err != nil {
			t.Fatal(err)
		}
	}
	waitN(t, v, "SPICE_INITIALIZED", 8)
	time.Sleep(200 * time.Millisecond)
	// Disconnect interleaved too: a's cursor, b's cursor, a's inputs, ...
	for i := 3; i >= 0; i-- {
		for _, s := range []*spiceSession{a, b} {
			s.conns[i].Close()
			time.Sleep(30 * time.Millisecond)
		}
	}
	waitN(t, v, "SPICE_DISCONNECTED", 8)
	out := quit(t, v, r)
	expectInOrder(t, out, append(append(repeat("SPICE_INITIALIZED", 8), repeat("SPICE_DISCONNECTED", 8)...), "SHUTDOWN")...)
	return out
}

// recordSpiceTakeover shows spice-server's default single-client policy: a
// second client's main channel disconnects the whole first session.
func recordSpiceTakeover(t *testing.T) []byte {
	v := Start(t, Options{Name: "vm-spice", Spice: true})
	r := Record(t, v)
	closeA := SpiceSession(t, v.SpiceAddr(), SpiceDisplay, SpiceInputs, SpiceCursor)
	defer closeA()
	waitN(t, v, "SPICE_INITIALIZED", 4)
	time.Sleep(200 * time.Millisecond)
	closeB := SpiceSession(t, v.SpiceAddr(), SpiceDisplay, SpiceInputs, SpiceCursor)
	waitN(t, v, "SPICE_DISCONNECTED", 4)
	waitN(t, v, "SPICE_INITIALIZED", 4)
	time.Sleep(200 * time.Millisecond)
	closeB()
	waitN(t, v, "SPICE_DISCONNECTED", 4)
	out := quit(t, v, r)
	expectInOrder(t, out, append(append(repeat("SPICE_INITIALIZED", 4), repeat("SPICE_DISCONNECTED", 4)...), "SHUTDOWN")...)
	return out
}

func recordVNC(t *testing.T) []byte {
	v := Start(t, Options{Name: "vm-vnc", VNC: true})
	r := Record(t, v)
	closeVNC := VNCClient(t, v.VNCAddr(t))
	v.WaitEvent(t, "VNC_INITIALIZED", recTimeout)
	time.Sleep(200 * time.Millisecond)
	closeVNC()
	v.WaitEvent(t, "VNC_DISCONNECTED", recTimeout)
	b := quit(t, v, r)
	expectInOrder(t, b, "VNC_CONNECTED", "VNC_INITIALIZED", "VNC_DISCONNECTED", "SHUTDOWN")
	return b
}

func recordBlockJobs(t *testing.T) []byte {
	v := Start(t, Options{Name: "vm-block"})
	r := Record(t, v)
	v.AddDataDisk(t, "disk0", 4<<20)
	v.Mirror(t, "job1", "disk0")
	v.CompleteJob(t, "job1")
	v.AddDataDisk(t, "disk1", 4<<20)
	v.Mirror(t, "job2", "disk1")
	v.CancelJob(t, "job2")
	v.AddDataDisk(t, "disk2", 2<<20)
	v.MirrorError(t, "job3", "disk2")
	v.CancelJob(t, "job3")
	b := quit(t, v, r)
	expectInOrder(t, b, "JOB_STATUS_CHANGE", "BLOCK_JOB_READY", "BLOCK_JOB_COMPLETED",
		"BLOCK_JOB_READY", "BLOCK_JOB_CANCELLED", "BLOCK_JOB_ERROR", "BLOCK_JOB_CANCELLED", "SHUTDOWN")
	return b
}

func recordLifecycle(t *testing.T) []byte {
	v := Start(t, Options{Name: "vm-alpha", CDROM: "cd0"})
	r := Record(t, v)
	v.MustDo(t, "stop", nil)
	v.WaitEvent(t, "STOP", recTimeout)
	v.MustDo(t, "cont", nil)
	v.WaitEvent(t, "RESUME", recTimeout)
	v.MustDo(t, "system_reset", nil)
	v.WaitEvent(t, "RESET", recTimeout)
	v.EjectCD(t, "cd0")
	v.ChangeMedium(t, "cd0")
	b := quit(t, v, r)
	expectInOrder(t, b, "STOP", "RESUME", "RESET", "DEVICE_TRAY_MOVED", "DEVICE_TRAY_MOVED", "SHUTDOWN")
	return b
}

// recordGuest runs every guest step. The panic action is "none" so that the
// guest carries on after GUEST_PANICKED (action "run") to its reset and
// shutdown steps.
func recordGuest(t *testing.T) []byte {
	v := Start(t, Options{Name: "vm-guest", Paused: true,
		Guest: "rtc,watchdog,ioerror,panic,reset,shutdown",
		Extra: []string{"-action", "panic=none"}})
	r := Record(t, v)
	v.MustDo(t, "cont", nil)
	v.WaitEvent(t, "RTC_CHANGE", recTimeout)
	v.WaitEvent(t, "WATCHDOG", recTimeout)
	v.WaitEvent(t, "STOP", recTimeout)
	time.Sleep(300 * time.Millisecond)
	v.MustDo(t, "cont", nil)
	v.WaitEvent(t, "BLOCK_IO_ERROR", recTimeout)
	v.WaitEvent(t, "STOP", recTimeout)
	time.Sleep(300 * time.Millisecond)
	v.MustDo(t, "cont", nil)
	b := finish(t, v, r)
	expectInOrder(t, b, "RESUME", "RTC_CHANGE", "WATCHDOG", "STOP", "RESUME", "BLOCK_IO_ERROR", "STOP", "RESUME",
		"GUEST_PANICKED", "RESET", "SHUTDOWN")
	return b
}

// recordDemo is the session `qmpwatch demo` replays: a VNC and a SPICE client
// attach, the guest boots and hits a disk error (ENOSPC; the VM stops), a
// mirror job runs while it is stopped, the clients leave, the VM is resumed,
// and the guest resets itself and powers off.
func recordDemo(t *testing.T) []byte {
	v := Start(t, Options{Name: "demo-vm", Paused: true, VNC: true, Spice: true,
		Guest: "ioerror,reset,wait,shutdown"})
	r := Record(t, v)
	pause := func() { time.Sleep(400 * time.Millisecond) }
	pause()
	closeVNC := VNCClient(t, v.VNCAddr(t))
	v.WaitEvent(t, "VNC_INITIALIZED", recTimeout)
	pause()
	closeSpice := SpiceSession(t, v.SpiceAddr(), SpiceDisplay, SpiceInputs, SpiceCursor)
	waitN(t, v, "SPICE_INITIALIZED", 4)
	pause()
	v.MustDo(t, "cont", nil)
	v.WaitEvent(t, "BLOCK_IO_ERROR", recTimeout)
	v.WaitEvent(t, "STOP", recTimeout)
	pause()
	v.AddDataDisk(t, "data0", 8<<20)
	v.Mirror(t, "job1", "data0")
	pause()
	v.CompleteJob(t, "job1")
	pause()
	closeVNC()
	v.WaitEvent(t, "VNC_DISCONNECTED", recTimeout)
	pause()
	closeSpice()
	waitN(t, v, "SPICE_DISCONNECTED", 4)
	pause()
	v.MustDo(t, "cont", nil)
	b := finish(t, v, r)
	expectInOrder(t, b, "VNC_CONNECTED", "VNC_INITIALIZED", "SPICE_CONNECTED", "SPICE_INITIALIZED",
		"RESUME", "BLOCK_IO_ERROR", "STOP", "JOB_STATUS_CHANGE", "BLOCK_JOB_READY", "BLOCK_JOB_COMPLETED",
		"VNC_DISCONNECTED", "SPICE_DISCONNECTED", "RESUME", "RESET", "SHUTDOWN")
	return b
}

// recordSchema keeps the raw reply line of query-qmp-schema, sent without an
// id, so the file is exactly {"return": [...]} on one line.
func recordSchema(t *testing.T) []byte {
	v := Start(t, Options{})
	r := Record(t, v)
	r.Send(t, `{"execute":"query-qmp-schema"}`)
	line := r.WaitLine(t, `"meta-type"`, recTimeout)
	line = bytes.TrimRight(line, "\r\n")
	if !strings.HasPrefix(string(line), `{"return": [`) {
		t.Fatalf("unexpected schema reply %.100q", line)
	}
	var check struct {
		Return []json.RawMessage `json:"return"`
	}
	if err := json.Unmarshal(line, &check); err != nil || len(check.Return) < 100 {
		t.Fatalf("schema reply does not parse (%v) or is short (%d entries)", err, len(check.Return))
	}
	quit(t, v, r)
	return append(line, '\n')
}
