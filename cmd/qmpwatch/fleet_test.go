package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/testkit/natstest"
	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
)

// fleetLine is what a fleet reader prints with -o json.
type fleetLine struct {
	Event string `json:"event"`
	VM    string `json:"vm"`
	Host  string `json:"host"`
}

// waitLines waits until out holds n lines, then checks there are no more.
func waitLines(t *testing.T, what string, out *syncBuffer, n int) []string {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if out.String() == "" {
			lines = nil
		}
		if len(lines) >= n || time.Now().After(deadline) {
			if len(lines) != n {
				t.Fatalf("%s: %d lines, want %d:\n%s", what, len(lines), n, out)
			}
			return lines
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// wantLines is what a fleet reader must print for vm's events since
// index from: QEMU's event, compacted, plus "vm" and "host".
func wantLines(vm *qemutest.VM, from int, name, host string) []string {
	var want []string
	for _, raw := range vm.Events()[from:] {
		want = append(want, fmt.Sprintf(`%s,"vm":%q,"host":%q}`, strings.TrimSuffix(string(decode.AppendCompact(nil, raw)), "}"), name, host))
	}
	return want
}

// ofHost keeps the lines of one host, in order.
func ofHost(t *testing.T, lines []string, host string) []string {
	t.Helper()
	var out []string
	for _, l := range lines {
		var f fleetLine
		if err := json.Unmarshal([]byte(l), &f); err != nil {
			t.Fatalf("bad line %q: %v", l, err)
		}
		if f.Host == host {
			out = append(out, l)
		}
	}
	return out
}

func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got:\n%s\nwant:\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// pause drives one STOP and one RESUME.
func pause(t *testing.T, vm *qemutest.VM) {
	vm.MustDo(t, "stop", nil)
	vm.WaitEvent(t, "STOP", 30*time.Second)
	vm.MustDo(t, "cont", nil)
	vm.WaitEvent(t, "RESUME", 30*time.Second)
}

// waitStream waits until a publisher has created the stream.
func waitStream(t *testing.T, url string) {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := js.Stream(ctx, "QMP")
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no stream QMP: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestFleetRealQEMU: two publishing watches, each on its own real QEMU,
// one real nats-server; readers see every event once, in order per VM, also
// across a server outage; --host, --since, --durable and --until work on
// the stream.
func TestFleetRealQEMU(t *testing.T) {
	srv := natstest.Start(t, "")
	url := srv.URL()
	a := qemutest.Start(t, qemutest.Options{Name: "web.1"})
	b := qemutest.Start(t, qemutest.Options{Name: "db1"})
	startUntil(t, "connected to", "watch", a.Monitor, "--publish", url, "--host-label", "host a", "-o", "json")
	startUntil(t, "connected to", "watch", b.Monitor, "--publish", url, "--host-label", "host-b", "-o", "json")
	waitStream(t, url)
	fromA, fromB := len(a.Events()), len(b.Events())

	_, all, allErr := startUntil(t, "reading stream", "watch", url, "-o", "json")
	_, onlyB, _ := startUntil(t, "reading stream", "watch", url, "--host", "host-b", "-o", "json")
	_, globB, _ := startUntil(t, "reading stream", "watch", url, "--host", "host-?", "--vm", "db*", "-o", "json")
	for i := 0; i < 3; i++ {
		pause(t, a)
		pause(t, b)
	}
	// The server goes away while both VMs emit; it comes back on the same
	// store and the publishers send what they kept.
	srv.Stop()
	for i := 0; i < 3; i++ {
		pause(t, a)
		pause(t, b)
	}
	srv.Start()
	pause(t, a)
	pause(t, b)

	wantA, wantB := wantLines(a, fromA, "web.1", "host a"), wantLines(b, fromB, "db1", "host-b")
	if len(wantA) != 14 || len(wantB) != 14 {
		t.Fatalf("QEMU sent %d and %d events, want 14 each", len(wantA), len(wantB))
	}
	lines := waitLines(t, "all hosts", all, 28)
	sameLines(t, "host a in the fleet stream", ofHost(t, lines, "host a"), wantA)
	sameLines(t, "host-b in the fleet stream", ofHost(t, lines, "host-b"), wantB)
	sameLines(t, "--host host-b", waitLines(t, "--host host-b", onlyB, 14), wantB)
	sameLines(t, "--host 'host-?' --vm 'db*'", waitLines(t, "--host glob", globB, 14), wantB)
	if !strings.Contains(allErr.String(), "connected to host a/web.1 (QEMU 7.") {
		t.Errorf("the reader did not name the VMs with their QEMU version:\n%s", allErr)
	}

	// --since replays from the stream (with --count to end).
	since := exec.Command(builtBinary(t), "watch", url, "--since", "1h", "-o", "json", "--count", "28")
	out, err := since.Output()
	if err != nil {
		t.Fatalf("--since: %v", err)
	}
	replayed := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	sameLines(t, "--since host a", ofHost(t, replayed, "host a"), wantA)
	sameLines(t, "--since host-b", ofHost(t, replayed, "host-b"), wantB)

	// A durable reader stopped after 5 events resumes at the sixth.
	var durable []string
	for _, n := range []string{"5", "9"} {
		c := exec.Command(builtBinary(t), "watch", url, "--durable", "job", "--since", "1h", "--host", "host a", "-o", "json", "--count", n)
		out, err := c.Output()
		if err != nil {
			t.Fatalf("--durable --count %s: %v", n, err)
		}
		durable = append(durable, strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")...)
	}
	sameLines(t, "--durable, twice", durable, wantA)
	c := exec.Command(builtBinary(t), "watch", url, "--durable", "job", "--host", "host a", "-o", "json", "--count", "1", "--timeout", "2s")
	if out, err := c.Output(); exitOf(err) != 4 || len(out) != 0 {
		t.Errorf("--durable after the last event: exit %d, output %q; want 4 and nothing", exitOf(err), out)
	}

	// --until waits on the stream: 0 when the event comes, 4 when not.
	c = exec.Command(builtBinary(t), "watch", url, "--until", "SHUTDOWN", "--timeout", "2s", "-o", "json")
	if err := c.Run(); exitOf(err) != 4 {
		t.Errorf("--until SHUTDOWN --timeout 2s: exit %d, want 4", exitOf(err))
	}
	until, untilOut, untilErr := startUntil(t, "reading stream", "watch", url, "--until", "RESET", "--vm", "db1", "--timeout", "60s", "-o", "json")
	a.MustDo(t, "system_reset", nil)
	b.MustDo(t, "system_reset", nil)
	if code := waitExit(t, until, 60*time.Second); code != 0 {
		t.Fatalf("--until RESET: exit %d: %s", code, untilErr)
	}
	if l := waitLines(t, "--until RESET", untilOut, 1); !strings.Contains(l[0], `"event":"RESET"`) || !strings.Contains(l[0], `"host":"host-b"`) {
		t.Errorf("--until RESET printed %s", l[0])
	}
}

func exitOf(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestFleetErrors: one line on stderr and exit 1 for a server that is down
// or a missing stream; exit 2 for bad flags.
func TestFleetErrors(t *testing.T) {
	srv := natstest.Start(t, "")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"watch", "nats://127.0.0.1:1"}, 1, "server unreachable"},
		{[]string{"watch", srv.URL()}, 1, "stream QMP not found"},
		{[]string{"watch", srv.URL(), "--since", "yesterday"}, 2, "--since"},
		{[]string{"watch", srv.URL(), "--host", "["}, 2, "--host"},
		{[]string{"watch", "/run/x.qmp", "--durable", "d"}, 2, "--durable reads a nats:// source"},
	} {
		streams, _, errOut := testStreams("")
		code := run(context.Background(), c.args, streams)
		first, _, _ := strings.Cut(errOut.String(), "\n")
		if code != c.code || !strings.Contains(first, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errOut, c.code, c.want)
		}
	}
}

// TestFleetTrackers: sessions and jobs read a nats:// source like a
// monitor: two simulated monitors published by one watch to a real
// nats-server, read back with --since, give the records a replay of the
// same recordings gives, the VMs labelled <host>/<vm>.
func TestFleetTrackers(t *testing.T) {
	srv := natstest.Start(t, "")
	url, dir := srv.URL(), t.TempDir()
	spice, block := filepath.Join(dir, "s.qmp"), filepath.Join(dir, "b.qmp")
	for sock, rec := range map[string]string{spice: "spice2.qmp", block: "blockjobs.qmp"} {
		sim := exec.Command(builtBinary(t), "simulate", sock, filepath.Join("..", "..", "testdata", "recordings", rec), "--speed", "0", "--once")
		if err := sim.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sim.Process.Kill(); sim.Wait() })
		waitSocket(t, sock)
	}
	pub := exec.Command(builtBinary(t), "watch", spice, block, "--publish", url, "--host-label", "h1", "-o", "json")
	if out, err := pub.CombinedOutput(); err != nil {
		t.Fatalf("watch --publish: %v\n%s", err, out)
	}
	for _, c := range []struct{ cmd, rec, vm string }{{"sessions", "spice2.qmp", "vm-spice2"}, {"jobs", "blockjobs.qmp", "vm-block"}} {
		want, err := exec.Command(builtBinary(t), c.cmd, "--replay", filepath.Join("..", "..", "testdata", "recordings", c.rec),
			"--label", "h1/"+c.vm, "--time", "utc", "-o", "json").Output()
		if err != nil || len(want) == 0 {
			t.Fatalf("%s --replay: %v %q", c.cmd, err, want)
		}
		wantLines := strings.Split(strings.TrimSuffix(string(want), "\n"), "\n")
		_, out, _ := startUntil(t, "reading stream", c.cmd, url, "--since", "1h", "--vm", c.vm, "--time", "utc", "-o", "json")
		sameLines(t, c.cmd+" nats://", waitLines(t, c.cmd, out, len(wantLines)), wantLines)
	}
}

// waitSocket waits until a simulated monitor listens at path.
func waitSocket(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if fi, err := os.Stat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no socket at %s", path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestFleetCreds: --nats-creds publishes and reads through a real server in
// NATS's JWT mode; without the file the server refuses, said in one line.
func TestFleetCreds(t *testing.T) {
	srv, creds := natstest.StartWithCreds(t)
	sock := filepath.Join(t.TempDir(), "vm.qmp")
	sim := exec.Command(builtBinary(t), "simulate", sock, filepath.Join("..", "..", "testdata", "recordings", "lifecycle.qmp"), "--speed", "0", "--once")
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Process.Kill(); sim.Wait() })
	waitSocket(t, sock)
	shown, err := exec.Command(builtBinary(t), "watch", sock, "--publish", srv.URL(), "--nats-creds", creds, "--host-label", "h1", "-o", "json").Output()
	if err != nil || len(shown) == 0 {
		t.Fatalf("watch --publish --nats-creds: %v %q", err, shown)
	}
	n := strings.Count(string(shown), "\n")
	read, err := exec.Command(builtBinary(t), "watch", srv.URL(), "--nats-creds", creds, "--since", "1h", "-o", "json", "--count", fmt.Sprint(n)).Output()
	if err != nil || strings.Count(string(read), "\n") != n {
		t.Fatalf("watch nats:// --nats-creds: %v; read %d of %d events", err, strings.Count(string(read), "\n"), n)
	}
	// -q: not even the "reading stream" notice.
	quiet := exec.Command(builtBinary(t), "watch", srv.URL(), "--nats-creds", creds, "--since", "1h", "-o", "json", "--count", fmt.Sprint(n), "-q")
	var quietErr strings.Builder
	quiet.Stderr = &quietErr
	if out, err := quiet.Output(); err != nil || strings.Count(string(out), "\n") != n || quietErr.Len() != 0 {
		t.Errorf("watch nats:// -q: %v; %d events; stderr %q", err, strings.Count(string(out), "\n"), quietErr.String())
	}
	streams, _, errOut := testStreams("")
	code := run(context.Background(), []string{"watch", srv.URL(), "--since", "1h", "--count", "1"}, streams)
	if code != exitcode.Error || strings.Count(errOut.String(), "\n") != 1 || !strings.Contains(strings.ToLower(errOut.String()), "authorization") {
		t.Errorf("without --nats-creds: exit %d, stderr %q", code, errOut)
	}
}
