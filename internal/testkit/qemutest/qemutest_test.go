package qemutest

import (
	"bufio"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// These tests run the harness against real QEMU; each VM lives about a
// second under TCG, so the whole file stays cheap even with -race.

const testTimeout = 30 * time.Second

func dataOf(t *testing.T, ev json.RawMessage) map[string]any {
	t.Helper()
	var e struct {
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(ev, &e); err != nil {
		t.Fatalf("event %s: %v", ev, err)
	}
	return e.Data
}

func TestGuestSourceRejectsUnknownStep(t *testing.T) {
	if _, err := guestSource("rtc,fly"); err == nil || !strings.Contains(err.Error(), `"fly"`) {
		t.Fatalf("guestSource accepted an unknown step: %v", err)
	}
}

// TestControlAndToolMonitors drives host-side lifecycle events from the
// control monitor and checks that the tool's monitor, on TCP here, gets the
// same events.
func TestControlAndToolMonitors(t *testing.T) {
	v := Start(t, Options{Name: "vm-test", TCPMonitor: true, NoShutdown: true, CDROM: "cd0"})
	if !strings.HasPrefix(v.Monitor, "tcp:127.0.0.1:") {
		t.Fatalf("Monitor = %q, want a tcp:127.0.0.1 address", v.Monitor)
	}
	var name struct{ Name string }
	json.Unmarshal(v.MustDo(t, "query-name", nil), &name)
	if name.Name != "vm-test" {
		t.Errorf("query-name = %q", name.Name)
	}
	_, err := v.Do("no-such-command", nil)
	var qerr *QMPError
	if !errors.As(err, &qerr) || qerr.Class != "CommandNotFound" || !strings.Contains(err.Error(), "has not been found") {
		t.Errorf("unknown command: err = %v, want QEMU's CommandNotFound error", err)
	}

	r := Record(t, v)
	v.MustDo(t, "stop", nil)
	v.WaitEvent(t, "STOP", testTimeout)
	v.MustDo(t, "cont", nil)
	v.WaitEvent(t, "RESUME", testTimeout)
	v.MustDo(t, "system_reset", nil)
	if d := dataOf(t, v.WaitEvent(t, "RESET", testTimeout)); d["reason"] != "host-qmp-system-reset" {
		t.Errorf("RESET data = %v", d)
	}
	if d := dataOf(t, v.EjectCD(t, "cd0")); d["tray-open"] != true || d["id"] != "cd0" {
		t.Errorf("eject: DEVICE_TRAY_MOVED data = %v", d)
	}
	if d := dataOf(t, v.ChangeMedium(t, "cd0")); d["tray-open"] != false {
		t.Errorf("change medium: DEVICE_TRAY_MOVED data = %v", d)
	}
	r.WaitLine(t, `"tray-open": false`, testTimeout)
	got := strings.Join(r.EventNames(), " ")
	if want := "STOP RESUME RESET DEVICE_TRAY_MOVED DEVICE_TRAY_MOVED"; got != want {
		t.Errorf("tool monitor saw %q, want %q", got, want)
	}
	// QEMU keeps a monitor for one client: the recorder must leave before
	// anyone else can greet on the tool's monitor.
	r.Close()
	c, err := DialMonitor(v.Monitor)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(testTimeout))
	greeting, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(greeting, `{"QMP": {"version": {"qemu": {`) {
		t.Errorf("second client's greeting %q, %v", greeting, err)
	}

	v.Do("quit", nil)
	if d := dataOf(t, v.WaitEvent(t, "SHUTDOWN", testTimeout)); d["reason"] != "host-qmp-quit" {
		t.Errorf("SHUTDOWN data = %v", d)
	}
	if err := v.Wait(testTimeout); err != nil {
		t.Errorf("QEMU exit after quit: %v", err)
	}
	if _, err := v.Do("query-status", nil); err == nil {
		t.Error("Do after QEMU exited did not fail")
	}
}

// TestGuestPrograms runs every guest step in one boot sequence (steps resume
// after the guest's own reset) and checks each event's payload.
func TestGuestPrograms(t *testing.T) {
	v := Start(t, Options{Guest: "rtc,watchdog,ioerror,panic,reset,shutdown",
		Extra: []string{"-action", "panic=none"}})
	if d := dataOf(t, v.WaitEvent(t, "RTC_CHANGE", testTimeout)); d["offset"] == 0.0 {
		t.Errorf("RTC_CHANGE data = %v, want a non-zero offset", d)
	}
	if d := dataOf(t, v.WaitEvent(t, "WATCHDOG", testTimeout)); d["action"] != "pause" {
		t.Errorf("WATCHDOG data = %v", d)
	}
	v.WaitEvent(t, "STOP", testTimeout)
	v.MustDo(t, "cont", nil)
	d := dataOf(t, v.WaitEvent(t, "BLOCK_IO_ERROR", testTimeout))
	if d["device"] != "iodisk" || d["operation"] != "write" || d["action"] != "stop" || d["nospace"] != true {
		t.Errorf("BLOCK_IO_ERROR data = %v", d)
	}
	v.WaitEvent(t, "STOP", testTimeout)
	v.MustDo(t, "cont", nil)
	if d := dataOf(t, v.WaitEvent(t, "GUEST_PANICKED", testTimeout)); d["action"] != "run" {
		t.Errorf("GUEST_PANICKED data = %v", d)
	}
	if d := dataOf(t, v.WaitEvent(t, "RESET", testTimeout)); d["guest"] != true || d["reason"] != "guest-reset" {
		t.Errorf("RESET data = %v", d)
	}
	if d := dataOf(t, v.WaitEvent(t, "SHUTDOWN", testTimeout)); d["guest"] != true || d["reason"] != "guest-shutdown" {
		t.Errorf("SHUTDOWN data = %v", d)
	}
	if err := v.Wait(testTimeout); err != nil {
		t.Errorf("QEMU exit after guest shutdown: %v", err)
	}
}

func TestVNCAndSpiceClients(t *testing.T) {
	v := Start(t, Options{VNC: true, Spice: true, Paused: true})
	closeVNC := VNCClient(t, v.VNCAddr(t))
	v.WaitEvent(t, "VNC_CONNECTED", testTimeout)
	v.WaitEvent(t, "VNC_INITIALIZED", testTimeout)
	closeVNC()
	v.WaitEvent(t, "VNC_DISCONNECTED", testTimeout)

	closeSpice := SpiceSession(t, v.SpiceAddr(), SpiceDisplay, SpiceInputs, SpiceCursor)
	var session any
	types := map[float64]bool{}
	for range 4 {
		v.WaitEvent(t, "SPICE_CONNECTED", testTimeout)
		c, _ := dataOf(t, v.WaitEvent(t, "SPICE_INITIALIZED", testTimeout))["client"].(map[string]any)
		types[c["channel-type"].(float64)] = true
		if session == nil {
			session = c["connection-id"]
		} else if c["connection-id"] != session {
			t.Errorf("channel %v in session %v, want %v", c["channel-type"], c["connection-id"], session)
		}
	}
	if len(types) != 4 {
		t.Errorf("channel types %v, want 1-4", types)
	}
	closeSpice()
	for range 4 {
		v.WaitEvent(t, "SPICE_DISCONNECTED", testTimeout)
	}
	if v.Exited() {
		t.Fatalf("QEMU died: %s", v.Stderr())
	}
}

func TestBlockJobs(t *testing.T) {
	v := Start(t, Options{})
	v.AddDisk(t, "disk0", 1<<20)
	v.Mirror(t, "job1", "disk0")
	v.CompleteJob(t, "job1")
	v.AddDataDisk(t, "disk1", 1<<20)
	if d := dataOf(t, v.Mirror(t, "job2", "disk1")); d["len"] != float64(1<<20) {
		t.Errorf("BLOCK_JOB_READY data = %v", d)
	}
	v.CancelJob(t, "job2")
	v.AddDataDisk(t, "disk2", 1<<20)
	d := dataOf(t, v.MirrorError(t, "job3", "disk2"))
	if d["operation"] != "write" || d["action"] != "stop" {
		t.Errorf("BLOCK_JOB_ERROR data = %v", d)
	}
	v.CancelJob(t, "job3")
}
