// Package qemutest starts real QEMU processes for tests and drives them over a
// private QMP control monitor, so that the code under test can watch a second
// QMP monitor of the same VM and see events that a real QEMU really emits.
//
// It is a test helper: only *_test.go files import it. Nothing here is a mock;
// when qemu-system-x86_64 is missing, tests skip (or fail when CI=true, so a
// CI run can never pass by silently skipping every real-QEMU test).
package qemutest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/testkit/realpart"
)

// QEMUBinary is the emulator the harness runs.
const QEMUBinary = "qemu-system-x86_64"

// startTimeout bounds how long Start waits for the control monitor's greeting.
// TCG start-up is quick, but the suite runs with -race on two busy cores.
const startTimeout = 60 * time.Second

// Need returns the path of qemu-system-x86_64, or: when CI=true in the
// environment, t.Fatal; otherwise t.Skip.
func Need(t testing.TB) string {
	t.Helper()
	return needBinary(t, QEMUBinary)
}

// needBinary applies Need's policy to any program the harness relies on
// (qemu-img, as, ld).
func needBinary(t testing.TB, name string) string {
	t.Helper()
	return realpart.Need(t, name)
}

// Options selects how Start launches QEMU.
type Options struct {
	Name       string   // -name; empty = none
	Extra      []string // extra qemu args
	NoShutdown bool     // -no-shutdown
	TCPMonitor bool     // tool monitor on tcp:127.0.0.1:<free port> instead of a unix socket
	Paused     bool     // -S: stay paused until the test sends "cont"
	Guest      string   // optional guest program (see guest.go); empty = no boot disk

	VNC   bool     // -vnc on a free loopback display; see VM.VNCAddr
	Spice bool     // -spice on a free loopback port, ticketing off, plus a VGA so display and cursor channels exist
	CDROM string   // qdev id of an ide-cd (on ide.1, drive "drive-<id>") holding a small medium; empty = none
	Env   []string // extra environment for QEMU, e.g. SPICE_DEBUG_ALLOW_MC=1
}

// VM is one running QEMU.
type VM struct {
	Monitor string // address for the tool under test: a unix socket path (or "tcp:127.0.0.1:P")
	Dir     string // temp dir holding sockets and images

	cmd    *exec.Cmd
	stderr *lockedBuffer
	done   chan struct{} // closed when the process has been reaped
	exit   error         // valid after done is closed

	ctl       net.Conn
	wmu       sync.Mutex // serialises writes to ctl
	mu        sync.Mutex
	nextID    int
	pending   map[string]chan qmpMsg
	events    []json.RawMessage
	taken     []bool
	changed   chan struct{} // closed and replaced whenever events or closed change
	ctlClosed bool

	spicePort int
}

// qmpMsg is any message QEMU sends on a monitor.
type qmpMsg struct {
	Event  string          `json:"event"`
	ID     json.RawMessage `json:"id"`
	Return json.RawMessage `json:"return"`
	Error  *QMPError       `json:"error"`
	raw    []byte
}

// QMPError is QEMU's error reply, returned by Do.
type QMPError struct {
	Class string `json:"class"`
	Desc  string `json:"desc"`
}

func (e *QMPError) Error() string { return e.Desc + " (" + e.Class + ")" }

// lockedBuffer collects QEMU's stderr for failure reports; exec copies into it
// from its own goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// ShortTempDir makes a directory under /tmp and removes it at cleanup.
// t.TempDir paths embed the test name and can exceed the 108-byte limit of
// unix socket paths, so sockets go here instead.
func ShortTempDir(t testing.TB) string {
	t.Helper()
	d, err := os.MkdirTemp("/tmp", "qt")
	if err != nil {
		t.Fatalf("qemutest: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// FreePort returns a loopback TCP port that was free a moment ago. Another
// process can take it before QEMU binds it, so Start retries on a bind error.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("qemutest: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start launches QEMU (-machine pc,accel=tcg -m 64 -nodefaults -display none
// ...) with TWO QMP monitors: Monitor (for the tool under test,
// server=on,wait=off) and a private control monitor the test drives. It waits
// until the control monitor is up. t.Cleanup kills QEMU.
//
// The guest starts running only after the control monitor is in command
// mode, so the control monitor sees every event. The tool's monitor can only
// be connected after Start returns: when a test needs the tool to see guest
// events from the very start, it sets Paused, connects, then sends "cont".
func Start(t testing.TB, o Options) *VM {
	t.Helper()
	bin := Need(t)
	dir := ShortTempDir(t)
	var extra []string
	if o.Guest != "" {
		extra = append(extra, guestArgs(t, dir, o.Guest)...)
	}
	if o.CDROM != "" {
		medium := filepath.Join(dir, "cd0.iso")
		if err := os.WriteFile(medium, make([]byte, 64*1024), 0o644); err != nil {
			t.Fatalf("qemutest: %v", err)
		}
		extra = append(extra,
			"-drive", "if=none,id=drive-"+o.CDROM+",media=cdrom,format=raw,readonly=on,file="+medium,
			"-device", "ide-cd,bus=ide.1,unit=0,drive=drive-"+o.CDROM+",id="+o.CDROM)
	}
	// Binding races (a "free" port taken by someone else before QEMU binds it)
	// are retried a few times; any other start failure is reported at once.
	var lastErr error
	for attempt := 0; attempt < 4; attempt++ {
		v, err := start(t, bin, dir, o, extra)
		if err == nil {
			return v
		}
		lastErr = err
		// QEMU says "Address already in use" for a monitor; spice-server
		// says "binding socket to ... failed".
		if msg := err.Error(); !strings.Contains(msg, "in use") && !strings.Contains(msg, "binding socket") {
			break
		}
	}
	t.Fatalf("qemutest: starting QEMU: %v", lastErr)
	return nil
}

func start(t testing.TB, bin, dir string, o Options, extra []string) (*VM, error) {
	v := &VM{
		Dir:     dir,
		stderr:  &lockedBuffer{},
		done:    make(chan struct{}),
		pending: map[string]chan qmpMsg{},
		changed: make(chan struct{}),
	}
	ctlPath := filepath.Join(dir, "ctl.sock")
	os.Remove(ctlPath)
	args := []string{
		"-machine", "pc,accel=tcg", "-m", "64", "-nodefaults", "-no-user-config", "-display", "none",
	}
	if o.TCPMonitor {
		v.Monitor = "tcp:127.0.0.1:" + strconv.Itoa(FreePort(t))
		args = append(args, "-qmp", v.Monitor+",server=on,wait=off")
	} else {
		v.Monitor = filepath.Join(dir, "qmp.sock")
		os.Remove(v.Monitor)
		args = append(args, "-qmp", "unix:"+v.Monitor+",server=on,wait=off")
	}
	if o.Name != "" {
		args = append(args, "-name", o.Name)
	}
	if o.NoShutdown {
		args = append(args, "-no-shutdown")
	}
	// Always start paused and let Start send "cont" once the control monitor
	// listens: otherwise a fast guest could raise its events before anyone
	// hears them (QEMU does not buffer events).
	args = append(args, "-S")
	if o.VNC {
		// to=99 makes QEMU search for a free display itself, which cannot race
		// with other processes; VNCAddr asks QEMU which one it got.
		args = append(args, "-vnc", "127.0.0.1:0,to=99")
	}
	if o.Spice {
		v.spicePort = FreePort(t)
		// Without a graphics device SPICE has only main and inputs channels;
		// the VGA adds the display and cursor channels.
		args = append(args, "-spice", fmt.Sprintf("port=%d,addr=127.0.0.1,disable-ticketing=on", v.spicePort),
			"-device", "VGA")
	}
	args = append(args, extra...)
	args = append(args, o.Extra...)
	// The control monitor comes last: once it greets, every earlier chardev
	// (including the tool's monitor) exists.
	args = append(args, "-qmp", "unix:"+ctlPath+",server=on,wait=off")

	v.cmd = exec.Command(bin, args...)
	v.cmd.Env = append(os.Environ(), o.Env...)
	v.cmd.Stdout = v.stderr
	v.cmd.Stderr = v.stderr
	// If the test binary dies, QEMU must not outlive it.
	v.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := v.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		v.exit = v.cmd.Wait()
		close(v.done)
	}()

	deadline := time.Now().Add(startTimeout)
	for {
		c, err := net.Dial("unix", ctlPath)
		if err == nil {
			v.ctl = c
			break
		}
		select {
		case <-v.done:
			return nil, fmt.Errorf("QEMU exited (%v): %s\nargs: %q", v.exit, strings.TrimSpace(v.stderr.String()), args)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			v.kill()
			return nil, fmt.Errorf("control monitor did not appear within %v: %s", startTimeout, v.stderr.String())
		}
	}
	t.Cleanup(func() {
		v.kill()
		v.ctl.Close()
		if t.Failed() {
			t.Logf("qemutest: QEMU args: %q\nQEMU output:\n%s", args, v.stderr.String())
		}
	})
	if err := v.handshake(); err != nil {
		return nil, fmt.Errorf("control monitor handshake: %v: %s", err, v.stderr.String())
	}
	go v.readLoop()
	if !o.Paused {
		if _, err := v.Do("cont", nil); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// handshake reads the greeting and enters command mode on the control monitor.
func (v *VM) handshake() error {
	v.ctl.SetDeadline(time.Now().Add(startTimeout))
	defer v.ctl.SetDeadline(time.Time{})
	r := bufio.NewReader(v.ctl)
	line, err := r.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("greeting: %w", err)
	}
	if !bytes.Contains(line, []byte(`"QMP"`)) {
		return fmt.Errorf("unexpected greeting %q", line)
	}
	if _, err := v.ctl.Write([]byte(`{"execute":"qmp_capabilities"}` + "\n")); err != nil {
		return err
	}
	line, err = r.ReadBytes('\n')
	if err != nil {
		return err
	}
	var m qmpMsg
	if err := json.Unmarshal(line, &m); err != nil || m.Return == nil {
		return fmt.Errorf("qmp_capabilities: %q", line)
	}
	// The reader may hold buffered bytes; keep reading through it.
	v.ctl = &bufConn{Conn: v.ctl, r: r}
	return nil
}

type bufConn struct {
	net.Conn
	r *bufio.Reader
}

func (b *bufConn) Read(p []byte) (int, error) { return b.r.Read(p) }

// readLoop dispatches control-monitor replies to Do and collects events for
// WaitEvent. Lines are read whole with no size limit: query-qmp-schema's
// reply is one ~200 KB line.
func (v *VM) readLoop() {
	r := bufio.NewReader(v.ctl)
	for {
		line, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var m qmpMsg
			if json.Unmarshal(line, &m) == nil {
				m.raw = bytes.TrimSpace(line)
				v.dispatch(m)
			}
		}
		if err != nil {
			break
		}
	}
	v.mu.Lock()
	v.ctlClosed = true
	for id, ch := range v.pending {
		close(ch)
		delete(v.pending, id)
	}
	v.notifyLocked()
	v.mu.Unlock()
}

func (v *VM) dispatch(m qmpMsg) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if m.Event != "" {
		v.events = append(v.events, json.RawMessage(m.raw))
		v.taken = append(v.taken, false)
		v.notifyLocked()
		return
	}
	if ch, ok := v.pending[string(m.ID)]; ok {
		delete(v.pending, string(m.ID))
		ch <- m
	}
}

func (v *VM) notifyLocked() {
	close(v.changed)
	v.changed = make(chan struct{})
}

// Do sends one command on the control monitor and returns the "return" raw
// JSON, or an error carrying QEMU's error desc. args may be nil.
func (v *VM) Do(cmd string, args any) (json.RawMessage, error) {
	v.mu.Lock()
	if v.ctlClosed {
		v.mu.Unlock()
		return nil, fmt.Errorf("%s: control monitor closed (QEMU exited?)", cmd)
	}
	v.nextID++
	id := strconv.Itoa(v.nextID)
	ch := make(chan qmpMsg, 1)
	v.pending[id] = ch
	v.mu.Unlock()

	req := map[string]any{"execute": cmd, "id": json.RawMessage(id)}
	if args != nil {
		req["arguments"] = args
	}
	b, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cmd, err)
	}
	v.wmu.Lock()
	_, err = v.ctl.Write(append(b, '\n'))
	v.wmu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cmd, err)
	}
	m, ok := <-ch
	if !ok {
		return nil, fmt.Errorf("%s: control monitor closed before the reply (QEMU exited?)", cmd)
	}
	if m.Error != nil {
		return nil, fmt.Errorf("%s: %w", cmd, m.Error)
	}
	return m.Return, nil
}

// MustDo is Do that fails the test on error.
func (v *VM) MustDo(t testing.TB, cmd string, args any) json.RawMessage {
	t.Helper()
	r, err := v.Do(cmd, args)
	if err != nil {
		t.Fatalf("qemutest: %v", err)
	}
	return r
}

// Kill sends SIGKILL to QEMU and waits until it has been reaped.
func (v *VM) Kill() { v.kill() }

func (v *VM) kill() {
	select {
	case <-v.done:
		return
	default:
	}
	v.cmd.Process.Kill()
	<-v.done
}

// Wait waits for QEMU to exit on its own and returns its exit status.
func (v *VM) Wait(timeout time.Duration) error {
	select {
	case <-v.done:
		return v.exit
	case <-time.After(timeout):
		return fmt.Errorf("qemutest: QEMU still running after %v", timeout)
	}
}

// Exited reports whether the QEMU process has ended.
func (v *VM) Exited() bool {
	select {
	case <-v.done:
		return true
	default:
		return false
	}
}

// WaitEvent waits until an event with this name arrives on the control
// monitor and returns its raw JSON. Each event is handed out once, oldest
// first, and events that arrived before the call count: a test can trigger
// something and then wait for it without racing the event.
func (v *VM) WaitEvent(t testing.TB, name string, timeout time.Duration) json.RawMessage {
	t.Helper()
	return v.WaitEventFunc(t, name, timeout, nil)
}

// WaitEventFunc is WaitEvent for the first event with this name for which
// match (if not nil) is true; events that do not match stay available.
func (v *VM) WaitEventFunc(t testing.TB, name string, timeout time.Duration, match func(json.RawMessage) bool) json.RawMessage {
	t.Helper()
	ev, err := v.waitEvent(name, timeout, match)
	if err != nil {
		t.Fatalf("qemutest: %v", err)
	}
	return ev
}

// DataIs returns a WaitEventFunc matcher for events whose data member key
// is the string value, e.g. DataIs("device", "job1").
func DataIs(key, value string) func(json.RawMessage) bool {
	return func(raw json.RawMessage) bool {
		var e struct {
			Data map[string]any `json:"data"`
		}
		json.Unmarshal(raw, &e)
		s, ok := e.Data[key].(string)
		return ok && s == value
	}
}

func (v *VM) waitEvent(name string, timeout time.Duration, match func(json.RawMessage) bool) (json.RawMessage, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		v.mu.Lock()
		for i, ev := range v.events {
			if !v.taken[i] && eventName(ev) == name && (match == nil || match(ev)) {
				v.taken[i] = true
				v.mu.Unlock()
				return ev, nil
			}
		}
		changed, closed := v.changed, v.ctlClosed
		v.mu.Unlock()
		if closed {
			return nil, fmt.Errorf("waiting for %s: control monitor closed; events seen: %s", name, v.eventNames())
		}
		select {
		case <-changed:
		case <-deadline.C:
			return nil, fmt.Errorf("no %s event within %v; events seen: %s", name, timeout, v.eventNames())
		}
	}
}

// Events returns every event the control monitor has received so far.
func (v *VM) Events() []json.RawMessage {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]json.RawMessage(nil), v.events...)
}

func (v *VM) eventNames() string {
	var names []string
	for _, ev := range v.Events() {
		names = append(names, eventName(ev))
	}
	return strings.Join(names, " ")
}

func eventName(raw json.RawMessage) string {
	var e struct {
		Event string `json:"event"`
	}
	json.Unmarshal(raw, &e)
	return e.Event
}

// VNCAddr returns the host:port of the VNC server (Options.VNC), as QEMU
// reports it in query-vnc.
func (v *VM) VNCAddr(t testing.TB) string {
	t.Helper()
	var info struct {
		Enabled bool   `json:"enabled"`
		Host    string `json:"host"`
		Service string `json:"service"`
	}
	if err := json.Unmarshal(v.MustDo(t, "query-vnc", nil), &info); err != nil || !info.Enabled {
		t.Fatalf("qemutest: VNC not enabled (set Options.VNC): %v", err)
	}
	return net.JoinHostPort(info.Host, info.Service)
}

// VNCPort returns the TCP port of the VNC server (Options.VNC).
func (v *VM) VNCPort(t testing.TB) int {
	t.Helper()
	_, p, _ := net.SplitHostPort(v.VNCAddr(t))
	n, _ := strconv.Atoi(p)
	return n
}

// SpiceAddr returns the host:port of the SPICE server (Options.Spice).
func (v *VM) SpiceAddr() string {
	if v.spicePort == 0 {
		return ""
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(v.spicePort))
}

// Stderr returns what QEMU has written to stdout and stderr so far.
func (v *VM) Stderr() string { return v.stderr.String() }
