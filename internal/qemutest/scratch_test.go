package qemutest

import (
	"testing"
	"time"
)

func TestScratchGuest(t *testing.T) {
	v := Start(t, Options{Name: "g", Guest: "rtc,watchdog,ioerror,panic,reset,shutdown", Extra: []string{"-action", "panic=none"}})
	for _, n := range []string{"RTC_CHANGE", "WATCHDOG", "STOP"} {
		t.Logf("%s", v.WaitEvent(t, n, 20*time.Second))
	}
	v.MustDo(t, "cont", nil)
	for _, n := range []string{"BLOCK_IO_ERROR", "STOP"} {
		t.Logf("%s", v.WaitEvent(t, n, 20*time.Second))
	}
	v.MustDo(t, "cont", nil)
	for _, n := range []string{"GUEST_PANICKED", "RESET", "SHUTDOWN"} {
		t.Logf("%s", v.WaitEvent(t, n, 20*time.Second))
	}
	t.Log(v.Wait(10 * time.Second))
	for _, e := range v.Events() { t.Logf("%s", e) }
}
