package proxy

import (
	"encoding/json"
	"net"
	"os"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
)

// TestQEMUSlowClient: a client that never reads while 600 events flow is
// disconnected with a note once its queue is full; the client that reads
// gets all 600, in the reference's order, and QEMU never waits.
func TestQEMUSlowClient(t *testing.T) {
	qemutest.Need(t)
	v := qemutest.Start(t, qemutest.Options{Name: "slow"})
	r := startProxy(t, v.Monitor, Options{QueueLen: 8, SendBuffer: 4096})
	stuck := dialQMP(t, r.path)
	stuck.negotiate()
	reader := dialQMP(t, r.path)
	reader.negotiate()
	before := len(v.Events())
	got := make(chan []string, 1)
	go func() { // the reader reads all along, as a client that keeps up
		var evs []map[string]any
		reader.nc.SetReadDeadline(time.Now().Add(60 * time.Second))
		for len(evs) < 600 {
			line, err := reader.r.ReadBytes('\n')
			var m map[string]any
			if err != nil || json.Unmarshal(line, &m) != nil {
				break // the comparison below says what is missing
			}
			evs = append(evs, m)
		}
		got <- eventKeys(evs)
	}()
	for i := 0; i < 300; i++ {
		v.MustDo(t, "stop", nil)
		v.MustDo(t, "cont", nil)
	}
	want := rawEventKeys(v.Events()[before:])
	if g := <-got; !reflect.DeepEqual(g, want) {
		t.Fatalf("the reading client's events differ from the reference's (%d, want %d)", len(g), len(want))
	}
	// The note comes once the stuck client's goroutine has seen its end.
	var dropped []Note
	for deadline := time.Now().Add(10 * time.Second); len(dropped) == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		dropped = r.noted(ClientDropped)
	}
	if len(dropped) != 1 || dropped[0].Client != 1 || !strings.Contains(dropped[0].Reason, "stopped reading") {
		t.Fatalf("notes of dropped clients: %+v, want client 1 for not reading", dropped)
	}
}

// TestQEMUHangUp: clients that hang up with commands in flight harm
// nobody: the next client's replies are its own and the proxy forgets the
// commands whose askers left.
func TestQEMUHangUp(t *testing.T) {
	qemutest.Need(t)
	v := qemutest.Start(t, qemutest.Options{Name: "hang"})
	r := startProxy(t, v.Monitor, Options{})
	for i := 0; i < 5; i++ {
		c := dialQMP(t, r.path)
		c.negotiate()
		c.send(`{"execute": "query-qmp-schema", "id": 1}{"execute": "query-status", "id": 2}{"execute": "query-name", "id": 3}`)
		c.nc.Close()
	}
	c := dialQMP(t, r.path)
	c.negotiate()
	c.send(`{"execute": "query-name", "id": "mine"}`)
	rep, _ := c.reply()
	if rep["id"] != "mine" || !reflect.DeepEqual(rep["return"], map[string]any{"name": "hang"}) {
		t.Fatalf("reply %v, want query-name's with id mine", rep)
	}
	v.MustDo(t, "stop", nil)
	if m := c.msg(); m["event"] != "STOP" {
		t.Fatalf("got %v, want the STOP", m)
	}
	deadline := time.Now().Add(10 * time.Second)
	for r.pending() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := r.pending(); n != 0 {
		t.Fatalf("%d commands of clients that left are still pending", n)
	}
}

func (r *running) pending() int {
	r.p.mu.Lock()
	s := r.p.sess
	r.p.mu.Unlock()
	s.pmu.Lock()
	defer s.pmu.Unlock()
	return len(s.pending)
}

// TestQEMUReadOnly: --read-only refuses stop with a GenericError and
// never sends it (the VM keeps running, no STOP); queries pass.
func TestQEMUReadOnly(t *testing.T) {
	qemutest.Need(t)
	v := qemutest.Start(t, qemutest.Options{Name: "ro"})
	r := startProxy(t, v.Monitor, Options{ReadOnly: true})
	c := dialQMP(t, r.path)
	c.negotiate()
	c.send(`{"execute": "stop", "id": 1}`)
	rep, _ := c.reply()
	e, _ := rep["error"].(map[string]any)
	if e["class"] != "GenericError" || !strings.Contains(e["desc"].(string), "qmpwatch refused stop") || rep["id"] != float64(1) {
		t.Fatalf("stop under --read-only: %v", rep)
	}
	c.send(`{"execute": "query-status", "id": 2}`)
	rep, evs := c.reply()
	ret, _ := rep["return"].(map[string]any)
	if ret["status"] != "running" || len(evs) != 0 {
		t.Fatalf("after a refused stop: %v, events %v", rep, evs)
	}
	st := v.MustDo(t, "query-status", nil)
	if !strings.Contains(string(st), `"running"`) {
		t.Fatalf("the VM is not running after a refused stop: %s", st)
	}
}

// TestQEMUGetfd passes a real descriptor with getfd over SCM_RIGHTS, then
// closes it with closefd; a getfd without one gets QEMU's own error.
func TestQEMUGetfd(t *testing.T) {
	qemutest.Need(t)
	v := qemutest.Start(t, qemutest.Options{Name: "fd"})
	r := startProxy(t, v.Monitor, Options{})
	c := dialQMP(t, r.path)
	c.negotiate()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	uc := c.nc.(*net.UnixConn)
	msg := []byte(`{"execute": "getfd", "arguments": {"fdname": "pipe"}, "id": "g"}` + "\n")
	if _, _, err := uc.WriteMsgUnix(msg, syscall.UnixRights(int(pw.Fd())), nil); err != nil {
		t.Fatal(err)
	}
	if rep, _ := c.reply(); !reflect.DeepEqual(rep, map[string]any{"return": map[string]any{}, "id": "g"}) {
		t.Fatalf("getfd with a descriptor: %v", rep)
	}
	c.send(`{"execute": "closefd", "arguments": {"fdname": "pipe"}, "id": "c"}`)
	if rep, _ := c.reply(); !reflect.DeepEqual(rep, map[string]any{"return": map[string]any{}, "id": "c"}) {
		t.Fatalf("closefd: %v", rep)
	}
	c.send(`{"execute": "closefd", "arguments": {"fdname": "pipe"}, "id": "again"}`)
	if rep, _ := c.reply(); rep["error"] == nil {
		t.Fatalf("closefd of a closed name: %v, want QEMU's error", rep)
	}
	c.send(`{"execute": "getfd", "arguments": {"fdname": "none"}, "id": "n"}`)
	rep, _ := c.reply()
	if e, _ := rep["error"].(map[string]any); e == nil || !strings.Contains(e["desc"].(string), "SCM_RIGHTS") {
		t.Fatalf("getfd without a descriptor: %v, want QEMU's error", rep)
	}
}

// TestQEMUQuit: QEMU quitting under the proxy: every client gets the
// SHUTDOWN, then the end of its stream, and Run returns.
func TestQEMUQuit(t *testing.T) {
	qemutest.Need(t)
	v := qemutest.Start(t, qemutest.Options{Name: "quit"})
	r := startProxy(t, v.Monitor, Options{})
	cs := []*qmpClient{dialQMP(t, r.path), dialQMP(t, r.path)}
	for _, c := range cs {
		c.negotiate()
	}
	v.Do("quit", nil)
	for i, c := range cs {
		if m := c.msg(); m["event"] != "SHUTDOWN" {
			t.Fatalf("client %d: %v, want the SHUTDOWN", i, m)
		}
		c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		if b, err := c.r.ReadByte(); err == nil {
			t.Fatalf("client %d: read %q after the SHUTDOWN, want the end of the stream", i, b)
		}
	}
	select {
	case <-r.ran:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after QEMU quit")
	}
}
