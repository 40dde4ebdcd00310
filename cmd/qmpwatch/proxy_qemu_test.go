package main

import (
	"bufio"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
)

// TestProxyTakeoverQEMU runs `qmpwatch proxy --takeover` on a real VM's own
// monitor path: two QMP clients and `qmpwatch watch` at that path at once
// all see the STOP the test's own monitor causes, the proxy prints it too
// (-o json), and on SIGTERM it exits 0 and the path is QEMU's socket again.
func TestProxyTakeoverQEMU(t *testing.T) {
	qemutest.Need(t)
	v := qemutest.Start(t, qemutest.Options{Name: "shared"})
	path := v.Monitor
	qemuInode := fileInode(t, path)
	px, pout, perr := startWatch(t, "proxy", "--takeover", path, "-o", "json")
	if fileInode(t, path) == qemuInode {
		t.Fatal("the path is still QEMU's socket")
	}
	var clients []*bufio.Reader
	for range 2 {
		nc, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		nc.SetReadDeadline(time.Now().Add(60 * time.Second))
		r := bufio.NewReader(nc)
		if g, _ := r.ReadString('\n'); !strings.Contains(g, `"QMP"`) {
			t.Fatalf("greeting %q", g)
		}
		nc.Write([]byte(`{"execute": "qmp_capabilities", "id": "c"}` + "\n"))
		if rep, _ := r.ReadString('\n'); !strings.Contains(rep, `"return": {}`) {
			t.Fatalf("qmp_capabilities: %q", rep)
		}
		clients = append(clients, r)
	}
	w, wout, _ := startWatch(t, "watch", path, "-o", "json", "--count", "1")
	v.MustDo(t, "stop", nil)
	for i, r := range clients {
		if ev, err := r.ReadString('\n'); err != nil || !strings.Contains(ev, `"event": "STOP"`) {
			t.Fatalf("client %d: %q %v, want the STOP", i, ev, err)
		}
	}
	if code := waitExit(t, w, 30*time.Second); code != 0 || !strings.Contains(wout.String(), `"event":"STOP"`) {
		t.Fatalf("watch through the proxy: exit %d, stdout %q", code, wout)
	}
	px.Process.Signal(syscall.SIGTERM)
	if code := waitExit(t, px, 30*time.Second); code != 0 {
		t.Fatalf("proxy after SIGTERM: exit %d: %s", code, perr)
	}
	if !strings.Contains(pout.String(), `"event":"STOP"`) {
		t.Errorf("the proxy's own output lacks the STOP: %q", pout)
	}
	if !strings.Contains(perr.String(), "proxy: client 2 connected (2 clients)") {
		t.Errorf("no note of the second client on stderr: %s", perr)
	}
	if fileInode(t, path) != qemuInode {
		t.Fatal("the path was not given back to QEMU's socket after SIGTERM")
	}
	for _, r := range clients {
		if _, err := r.ReadString('\n'); err == nil {
			t.Error("a client still reads after the proxy ended")
		}
	}
}

// TestProxyQEMUQuit: QEMU quitting under the proxy ends it with exit 0 and
// QEMU's last word, as watch; its client gets the SHUTDOWN, then the end.
func TestProxyQEMUQuit(t *testing.T) {
	qemutest.Need(t)
	v := qemutest.Start(t, qemutest.Options{Name: "quits"})
	listen := qemutest.ShortTempDir(t) + "/shared.qmp"
	px, _, perr := startWatch(t, "proxy", v.Monitor, "--listen", listen)
	if fi, err := os.Lstat(listen); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the proxy's socket: %v, %v, want mode 0600", fi, err)
	}
	nc, err := net.Dial("unix", listen)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetReadDeadline(time.Now().Add(60 * time.Second))
	r := bufio.NewReader(nc)
	r.ReadString('\n')
	nc.Write([]byte(`{"execute": "qmp_capabilities"}` + "\n"))
	r.ReadString('\n')
	v.Do("quit", nil)
	if ev, _ := r.ReadString('\n'); !strings.Contains(ev, `"SHUTDOWN"`) {
		t.Fatalf("client: %q, want the SHUTDOWN", ev)
	}
	if _, err := r.ReadString('\n'); err == nil {
		t.Fatal("the client's stream went on after the SHUTDOWN")
	}
	if code := waitExit(t, px, 30*time.Second); code != 0 {
		t.Fatalf("proxy after QEMU quit: exit %d: %s", code, perr)
	}
	if !strings.Contains(perr.String(), "QEMU closed the connection") {
		t.Errorf("stderr: %s", perr)
	}
}

func fileInode(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}
