package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/testkit/conntest"
	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
)

// startProc runs the built binary and waits until its stderr says waitFor.
func startProc(t *testing.T, waitFor string, args ...string) (*exec.Cmd, *syncBuffer, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(builtBinary(t), args...)
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	waitFor1(t, stderr, waitFor, 1)
	return cmd, stdout, stderr
}

// waitFor1 waits until b holds s at least n times.
func waitFor1(t *testing.T, b *syncBuffer, s string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(b.String(), s) < n {
		if time.Now().After(deadline) {
			t.Fatalf("no %d× %q within 30s; got:\n%s", n, s, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runProc runs the binary to its end.
func runProc(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(builtBinary(t), args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return waitExit(t, cmd, 30*time.Second), o.String(), e.String()
}

// jsonLine is what qmpwatch -o json prints for an event QEMU sent.
func jsonLine(raw []byte, vm string) string {
	return strings.TrimSuffix(string(decode.AppendCompact(nil, raw)), "}") + `,"vm":"` + vm + `"}`
}

// kill -9 of QEMU mid-stream: every event before it printed, one line on
// stderr, exit 0.
func TestKilledQEMU(t *testing.T) {
	vm := qemutest.Start(t, qemutest.Options{Name: "vm1"})
	cmd, stdout, stderr := startWatch(t, "watch", vm.Monitor, "-o", "json")
	before := len(vm.Events())
	for range 3 {
		vm.MustDo(t, "stop", nil)
		vm.WaitEvent(t, "STOP", 10*time.Second)
		vm.MustDo(t, "cont", nil)
		vm.WaitEvent(t, "RESUME", 10*time.Second)
	}
	waitFor1(t, stdout, `"RESUME"`, 3)
	vm.Kill()
	if code := waitExit(t, cmd, 20*time.Second); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	var want []string
	for _, raw := range vm.Events()[before:] {
		want = append(want, jsonLine(raw, "vm1"))
	}
	if got := strings.TrimSuffix(stdout.String(), "\n"); got != strings.Join(want, "\n") {
		t.Errorf("printed:\n%s\nQEMU sent:\n%s", got, strings.Join(want, "\n"))
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(lines) != 2 || lines[1] != "vm1: QEMU went away without a SHUTDOWN event (killed or crashed?)" {
		t.Errorf("stderr, want the connect line and one line for the end:\n%s", stderr)
	}
}

// watch --reconnect --markers: QEMU killed, then started again on the same
// socket; qmpwatch picks it up and says how long it was away.
func TestReconnectToRestartedQEMU(t *testing.T) {
	vm := qemutest.Start(t, qemutest.Options{Name: "vm1"})
	cmd, stdout, stderr := startWatch(t, "watch", vm.Monitor, "--reconnect", "--markers", "-o", "json")
	vm.MustDo(t, "stop", nil)
	vm.WaitEvent(t, "STOP", 10*time.Second)
	waitFor1(t, stdout, `"STOP"`, 1)
	vm.Kill()
	waitFor1(t, stderr, "vm1: QEMU went away without a SHUTDOWN event (killed or crashed?); reconnecting", 1)
	vm2 := vm.Restart(t, qemutest.Options{Name: "vm1", Paused: true})
	waitFor1(t, stderr, "qmpwatch: reconnected to vm1 (QEMU 7.2", 1)
	vm2.MustDo(t, "cont", nil)
	vm2.WaitEvent(t, "RESUME", 10*time.Second)
	vm2.MustDo(t, "stop", nil)
	vm2.WaitEvent(t, "STOP", 10*time.Second)
	waitFor1(t, stdout, `"STOP"`, 2)
	cmd.Process.Signal(interrupt)
	if code := waitExit(t, cmd, 20*time.Second); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	lines := decodeLines(t, stdout.String())
	var names []string
	for _, l := range lines {
		names = append(names, l.Event)
	}
	if g := strings.Join(names, " "); g != "STOP QMPWATCH_DISCONNECTED QMPWATCH_RECONNECTED RESUME STOP" {
		t.Fatalf("stream %s", g)
	}
	if gap, _ := lines[2].Data["gap"].(float64); gap <= 0 || gap > 60 {
		t.Errorf("gap %v", lines[2].Data)
	}
	if !strings.Contains(stderr.String(), "without a connection: events of that gap are lost") {
		t.Errorf("stderr does not make the gap visible:\n%s", stderr)
	}
}

// Sockets that are not a free QMP monitor: a clear error, exit 1, nothing
// on stdout; with several at once, one line each.
func TestUnusableMonitors(t *testing.T) {
	d := qemutest.ShortTempDir(t)
	hmp, gone := filepath.Join(d, "hmp.sock"), filepath.Join(d, "gone.qmp")
	vm := qemutest.Start(t, qemutest.Options{Extra: []string{
		"-monitor", "unix:" + hmp + ",server=on,wait=off",
		"-qmp", "unix:" + gone + ",server=on,wait=off",
	}})
	// Another client holds the monitor: QEMU greets it and nobody else.
	holder, err := net.Dial("unix", vm.Monitor)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if line, err := bufio.NewReader(holder).ReadString('\n'); err != nil || !strings.Contains(line, `"QMP"`) {
		t.Fatalf("holder got %q, %v", line, err)
	}
	os.Remove(gone)
	httpish := fakeTCP(t, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
	silent := fakeTCP(t, "")

	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"busy", []string{vm.Monitor}, []string{"no QMP greeting within 1s: another client may hold this monitor"}},
		{"hmp", []string{hmp}, []string{"this is an HMP (human monitor) socket, not QMP"}},
		{"deleted", []string{gone}, []string{"no such socket"}},
		{"http", []string{httpish}, []string{"not a QMP monitor"}},
		{"silent tcp", []string{silent}, []string{"no QMP greeting within 1s"}},
		{"all at once", []string{vm.Monitor, hmp, gone, httpish}, []string{"another client may hold", "HMP", "no such socket", "not a QMP monitor"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runProc(t, append([]string{"watch", "--greeting-timeout", "1s"}, tt.args...)...)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			if stdout != "" {
				t.Errorf("stdout: %q", stdout)
			}
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("want %d stderr lines:\n%s", len(tt.want), stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			for _, l := range lines {
				if !strings.HasPrefix(l, "qmpwatch: ") {
					t.Errorf("line %q", l)
				}
			}
		})
	}
}

// fakeTCP is something else behind a TCP port: it says banner, then
// waits for the client to leave.
func fakeTCP(t *testing.T, banner string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.WriteString(c, banner)
				io.Copy(io.Discard, c)
			}()
		}
	}()
	return "tcp:" + ln.Addr().String()
}

// Three VMs watched at once, one killed: the other two keep streaming, and
// qmpwatch ends when they do.
func TestThreeQEMUsOneKilled(t *testing.T) {
	vms := map[string]*qemutest.VM{}
	var args []string
	for _, n := range []string{"a", "b", "c"} {
		vms[n] = qemutest.Start(t, qemutest.Options{Name: "vm-" + n})
		args = append(args, vms[n].Monitor)
	}
	cmd, stdout, stderr := startWatch(t, append(append([]string{"watch"}, args...), "-o", "json")...)
	waitFor1(t, stderr, "connected to", 3)
	pulse := func(vm *qemutest.VM) {
		vm.MustDo(t, "stop", nil)
		vm.WaitEvent(t, "STOP", 10*time.Second)
		vm.MustDo(t, "cont", nil)
		vm.WaitEvent(t, "RESUME", 10*time.Second)
	}
	for _, n := range []string{"a", "b", "c"} {
		pulse(vms[n])
	}
	waitFor1(t, stdout, `"RESUME"`, 3)
	vms["b"].Kill()
	waitFor1(t, stderr, "vm-b: QEMU went away without a SHUTDOWN event (killed or crashed?)", 1)
	pulse(vms["a"])
	pulse(vms["c"])
	waitFor1(t, stdout, `"RESUME"`, 5)
	vms["a"].Do("quit", nil)
	vms["c"].Do("quit", nil)
	if code := waitExit(t, cmd, 30*time.Second); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	got := perVM(decodeLines(t, stdout.String()))
	want := map[string]string{
		"vm-a": "STOP RESUME STOP RESUME SHUTDOWN",
		"vm-b": "STOP RESUME",
		"vm-c": "STOP RESUME STOP RESUME SHUTDOWN",
	}
	for vm, w := range want {
		if got[vm] != w {
			t.Errorf("%s: %q, want %q", vm, got[vm], w)
		}
	}
}

// qmpwatch listen: QEMUs dial in, are named by -name, and one that is
// killed and started again is reported back with its gap.
func TestListenRealQEMU(t *testing.T) {
	path := filepath.Join(qemutest.ShortTempDir(t), "listen.sock")
	cmd, stdout, stderr := startProc(t, "listening on", "listen", path, "-o", "json", "--markers")
	chardev := []string{"-chardev", "socket,id=qw,path=" + path + ",reconnect=1", "-mon", "chardev=qw,mode=control"}
	// Paused, so that the test decides which events happen after connecting.
	a := qemutest.Start(t, qemutest.Options{Name: "lx-a", Extra: chardev, Paused: true})
	b := qemutest.Start(t, qemutest.Options{Name: "lx-b", Extra: chardev, Paused: true})
	waitFor1(t, stderr, "qmpwatch: connected to lx-a (QEMU 7.2", 1)
	waitFor1(t, stderr, "qmpwatch: connected to lx-b (QEMU 7.2", 1)
	for _, vm := range []*qemutest.VM{a, b} {
		vm.MustDo(t, "cont", nil)
		vm.WaitEvent(t, "RESUME", 10*time.Second)
	}
	waitFor1(t, stdout, `"RESUME"`, 2)
	a.Kill()
	waitFor1(t, stderr, "lx-a: QEMU went away without a SHUTDOWN event (killed or crashed?)", 1)
	a2 := a.Restart(t, qemutest.Options{Name: "lx-a", Extra: chardev, Paused: true})
	waitFor1(t, stderr, "qmpwatch: reconnected to lx-a", 1)
	a2.MustDo(t, "cont", nil)
	a2.WaitEvent(t, "RESUME", 10*time.Second)
	waitFor1(t, stdout, `"RESUME"`, 3)
	cmd.Process.Signal(interrupt)
	if code := waitExit(t, cmd, 20*time.Second); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	got := perVM(decodeLines(t, stdout.String()))
	if got["lx-a"] != "RESUME QMPWATCH_DISCONNECTED QMPWATCH_RECONNECTED RESUME" || got["lx-b"] != "RESUME" {
		t.Errorf("events per VM: %v", got)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("listening socket left behind: %v", err)
	}
}

// A slow consumer: stdout not read for 5 s while 10,000 events arrive.
// qmpwatch stops reading the monitor (the fake cannot send them all), and
// then prints every event, in order.
func TestSlowConsumer(t *testing.T) {
	for _, mode := range []struct{ name, flag string }{{"one monitor", ""}, {"merged", "--markers"}} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			const total = 10000
			pad := strings.Repeat("p", 300)
			var sent atomic.Int64
			s := conntest.NewServer(t, func(p *conntest.Peer) error {
				if err := p.HandshakeStatus("slow", "running"); err != nil {
					return err
				}
				// Fast, as a QEMU with a backlog would: 50 events per write.
				var batch strings.Builder
				for i := range total {
					fmt.Fprintf(&batch, `{"timestamp": {"seconds": 1700000000, "microseconds": %d}, "event": "VSERPORT_CHANGE", "data": {"id": "%s%d", "open": true}}`+"\r\n", i%1000000, pad, i)
					if (i+1)%50 == 0 {
						if err := p.Send(batch.String()); err != nil {
							return err
						}
						batch.Reset()
						sent.Add(50)
					}
				}
				return nil
			})
			args := []string{"watch", s.Addr, "-o", "json", "--schema", "builtin"}
			if mode.flag != "" {
				args = append(args, mode.flag)
			}
			cmd := exec.Command(builtBinary(t), args...)
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = w, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			w.Close()
			defer r.Close()
			time.Sleep(5 * time.Second)
			t.Logf("after 5s unread: %d of %d events sent", sent.Load(), total)
			if n := sent.Load(); n > total/2 {
				t.Errorf("with stdout unread for 5s, the monitor could still send %d of %d events: qmpwatch is not applying back-pressure", n, total)
			}
			sc := bufio.NewScanner(r)
			sc.Buffer(nil, 1<<20)
			i := 0
			for sc.Scan() {
				var e struct {
					Event string `json:"event"`
					Data  struct{ ID string }
				}
				if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
					t.Fatalf("line %d: %v", i, err)
				}
				if i < total && e.Data.ID != fmt.Sprintf("%s%d", pad, i) {
					t.Fatalf("line %d is event %q", i, strings.TrimPrefix(e.Data.ID, pad))
				}
				i++
			}
			want := total
			if mode.flag == "--markers" {
				want++ // QMPWATCH_DISCONNECTED at the end
			}
			if i != want {
				t.Errorf("%d lines, want %d", i, want)
			}
			if code := waitExit(t, cmd, 30*time.Second); code != 0 {
				t.Errorf("exit %d: %s", code, stderr.String())
			}
		})
	}
}

// Hostile or broken monitors, through the whole command: garbage and
// truncated JSON, a 10 MB message, a message in single bytes.
func TestBrokenMonitors(t *testing.T) {
	stop := fakeEvents[0]
	big := `{"timestamp": {"seconds": 1700000000, "microseconds": 1}, "event": "BLOCK_IO_ERROR", "data": {"device": "", "node-name": "disk0", "operation": "write", "action": "report", "reason": "` + strings.Repeat("z", 10<<20) + `"}}`
	tests := []struct {
		name    string
		send    func(p *conntest.Peer) error
		code    int
		out     []string // the events printed, as QEMU sent them
		errLine string
	}{
		{"garbage", func(p *conntest.Peer) error {
			p.SendLine(stop)
			return p.Send("\x1b[2J<html>garbage\r\n")
		}, 1, []string{stop}, `protocol error: garbage in the stream: "\x1b[2J<html>garbage`},
		{"truncated", func(p *conntest.Peer) error {
			p.SendLine(stop)
			return p.Send(`{"timestamp": {"seconds": 1700000000, "microseconds": 2}, "event": "RES`)
		}, 0, []string{stop}, "vm1: QEMU closed the connection in the middle of a message (71 bytes lost)"},
		{"bad JSON", func(p *conntest.Peer) error {
			p.SendLine(stop)
			return p.SendLine(`{"event": "RESUME", "data": {"x": tru}}`)
		}, 1, []string{stop}, "protocol error: invalid JSON"},
		{"10 MB message", func(p *conntest.Peer) error { return p.SendLine(big) }, 0, []string{big}, "vm1: QEMU went away without a SHUTDOWN event (killed or crashed?)"},
		{"single bytes", func(p *conntest.Peer) error {
			msg := fakeEvents[2] + "\r\n"
			for i := range len(msg) {
				if err := p.Send(msg[i : i+1]); err != nil {
					return err
				}
			}
			return nil
		}, 0, []string{fakeEvents[2]}, "vm1: QEMU went away without a SHUTDOWN event (killed or crashed?)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := conntest.NewServer(t, func(p *conntest.Peer) error {
				// Answer the run-state query first: what arrives while a
				// query waits for its reply is the subject of conn's tests.
				if err := p.HandshakeStatus("vm1", "running"); err != nil {
					return err
				}
				return tt.send(p)
			})
			streams, out, errOut := testStreams("")
			code := run(context.Background(), []string{"watch", s.Addr, "-o", "json", "--schema", "builtin"}, streams)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, errOut)
			}
			var want string
			for _, e := range tt.out {
				want += jsonLine([]byte(e), "vm1") + "\n"
			}
			if out.String() != want {
				t.Errorf("stdout (%d bytes) is not the %d events sent (%d bytes): %.300q", out.Len(), len(tt.out), len(want), out)
			}
			lines := strings.Split(strings.TrimSuffix(errOut.String(), "\n"), "\n")
			if len(lines) != 2 || !strings.Contains(lines[1], tt.errLine) {
				t.Errorf("stderr, want the connect line and one line with %q:\n%s", tt.errLine, errOut)
			}
		})
	}
}
