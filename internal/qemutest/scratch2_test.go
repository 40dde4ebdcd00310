package qemutest

import (
	"testing"
	"time"
)

func TestScratchClients(t *testing.T) {
	v := Start(t, Options{Name: "c", VNC: true, Spice: true})
	t.Log(v.VNCAddr(t), v.SpiceAddr())
	cl := VNCClient(t, v.VNCAddr(t))
	v.WaitEvent(t, "VNC_INITIALIZED", 10*time.Second)
	cl()
	v.WaitEvent(t, "VNC_DISCONNECTED", 10*time.Second)
	sc := SpiceSession(t, v.SpiceAddr(), 2, 3, 4)
	for i := 0; i < 4; i++ {
		v.WaitEvent(t, "SPICE_INITIALIZED", 10*time.Second)
	}
	sc()
	time.Sleep(time.Second)
	t.Log("exited:", v.Exited(), v.Wait(time.Millisecond))
	for i := 0; i < 4; i++ {
		v.WaitEvent(t, "SPICE_DISCONNECTED", 10*time.Second)
	}
	for _, e := range v.Events() { t.Logf("%s", e) }
	t.Log(v.Stderr())
}
