package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/testkit/conntest"
	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
)

// Issue 12 items 3, 4, 10 and 14: how a run ends when the record cannot be
// written, on SIGHUP and SIGQUIT, and on a symlinked record.

// numberedEvents is a script that sends n numbered events, gap apart (all
// in one write when gap is 0), then waits for the client to hang up.
func numberedEvents(n int, gap time.Duration) conntest.Script {
	return func(p *conntest.Peer) error {
		if err := p.HandshakeStatus("rec", "running"); err != nil {
			return err
		}
		var all strings.Builder
		for i := range n {
			line := fmt.Sprintf(`{"timestamp": {"seconds": 1700000000, "microseconds": %d}, "event": "VSERPORT_CHANGE", "data": {"id": "n%d", "open": true}}`+"\r\n", i, i)
			if gap == 0 {
				all.WriteString(line)
				continue
			}
			if err := p.Send(line); err != nil {
				return nil // qmpwatch ended: expected
			}
			time.Sleep(gap)
		}
		if all.Len() > 0 {
			p.Send(all.String())
		}
		p.WaitClosed()
		return nil
	}
}

// eventIDs returns the data.id of every json line, failing on a line that
// is not whole JSON.
func eventIDs(t *testing.T, what, text string) []string {
	t.Helper()
	if text != "" && !strings.HasSuffix(text, "\n") {
		t.Errorf("%s ends with a partial line: %q", what, text[max(0, len(text)-80):])
	}
	var ids []string
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if line == "" || strings.HasPrefix(line, `{"QMP":`) {
			continue // a record's greeting line: not an event
		}
		var e struct{ Data struct{ ID string } }
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("%s line %d is not whole JSON: %v: %q", what, i+1, err, line)
		}
		ids = append(ids, e.Data.ID)
	}
	return ids
}

// inOrder checks ids are n0, n1, … with none missing.
func inOrder(t *testing.T, what string, ids []string) {
	t.Helper()
	for i, id := range ids {
		if id != fmt.Sprintf("n%d", i) {
			t.Fatalf("%s: event %d is %q, want n%d (all: %v)", what, i, id, i, ids)
		}
	}
}

// A record to a FIFO whose reader leaves after 3 lines: EPIPE on the record
// is an error (exit 1, one line on stderr), not the quiet end a closed
// stdout is, and the events received still reach stdout.
func TestRecordFIFOReaderLeaves(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "rec.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// The reader is there before qmpwatch opens the FIFO: a FIFO that
	// nobody reads is refused (O_RDWR: this open does not wait either).
	f, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan []string, 1)
	go func() {
		r := bufio.NewReader(f)
		var lines []string
		for len(lines) < 3 {
			l, err := r.ReadString('\n')
			if err != nil {
				break
			}
			if strings.HasPrefix(l, `{"QMP":`) {
				continue // the record's greeting line: count events only
			}
			lines = append(lines, l)
		}
		f.Close()
		got <- lines
	}()
	s := conntest.NewServer(t, numberedEvents(50, 20*time.Millisecond))
	streams, out, errOut := testStreams("")
	code := run(context.Background(), []string{"watch", s.Addr, "-o", "json", "--schema", "builtin", "--record", fifo}, streams)
	if code != exitcode.Error {
		t.Errorf("exit %d, want 1; stderr:\n%s", code, errOut)
	}
	if !strings.Contains(errOut.String(), "qmpwatch: record "+fifo+": ") || !strings.Contains(errOut.String(), "broken pipe") {
		t.Errorf("stderr does not say the record failed:\n%s", errOut)
	}
	recorded := eventIDs(t, "the FIFO's reader", strings.Join(<-got, ""))
	if len(recorded) != 3 {
		t.Fatalf("the FIFO's reader got %d lines, want 3", len(recorded))
	}
	shown := eventIDs(t, "stdout", out.String())
	inOrder(t, "stdout", shown)
	if len(shown) < len(recorded) || len(shown) == 50 {
		t.Errorf("stdout has %d events: want at least the %d recorded, and an end before all 50", len(shown), len(recorded))
	}
}

// A record on /dev/full: exit 1 with the error, and the events received
// before the failure are on stdout (they used to be lost with it).
func TestRecordDevFull(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full:", err)
	}
	s := conntest.NewServer(t, numberedEvents(3, 0))
	streams, out, errOut := testStreams("")
	code := run(context.Background(), []string{"watch", s.Addr, "-o", "json", "--schema", "builtin", "--record", "/dev/full"}, streams)
	if code != exitcode.Error {
		t.Errorf("exit %d, want 1; stderr:\n%s", code, errOut)
	}
	if !strings.Contains(errOut.String(), "qmpwatch: record /dev/full: ") || !strings.Contains(errOut.String(), "no space left") {
		t.Errorf("stderr does not say the record failed:\n%s", errOut)
	}
	shown := eventIDs(t, "stdout", out.String())
	inOrder(t, "stdout", shown)
	if len(shown) == 0 {
		t.Errorf("no event reached stdout; stderr:\n%s", errOut)
	}
}

// --record never follows a symlink: a clear error, exit 1, and the link's
// target untouched. A new record file is owner-only.
func TestRecordSymlinkAndMode(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere")
	if err := os.WriteFile(target, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "rec.log")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	s := conntest.NewServer(t, numberedEvents(3, 0))
	streams, _, errOut := testStreams("")
	code := run(context.Background(), []string{"watch", s.Addr, "-o", "json", "--record", link}, streams)
	if code != exitcode.Error {
		t.Errorf("exit %d, want 1; stderr:\n%s", code, errOut)
	}
	if want := "qmpwatch: record " + link + ": is a symbolic link"; !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr %q, want %q", errOut, want)
	}
	if b, _ := os.ReadFile(target); len(b) != 0 {
		t.Errorf("the link's target was written: %q", b)
	}

	rec := filepath.Join(dir, "new.log")
	s2 := conntest.NewServer(t, numberedEvents(3, 0))
	streams, out, errOut := testStreams("")
	run(context.Background(), []string{"watch", s2.Addr, "-o", "json", "--schema", "builtin", "--record", rec, "--count", "3"}, streams)
	fi, err := os.Stat(rec)
	if err != nil {
		t.Fatalf("%v; stderr:\n%s", err, errOut)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("record mode %v, want 0600", fi.Mode().Perm())
	}
	if b, _ := os.ReadFile(rec); len(eventIDs(t, "record", string(b))) != 3 || len(eventIDs(t, "stdout", out.String())) != 3 {
		t.Errorf("record %q, stdout %q", b, out)
	}
}

// floodQEMU plays a QEMU on c: it greets, answers every query and floods
// events until qmpwatch goes away.
func floodQEMU(c net.Conn) {
	defer c.Close()
	var mu sync.Mutex
	send := func(s string) error {
		mu.Lock()
		defer mu.Unlock()
		_, err := io.WriteString(c, s)
		return err
	}
	if send(conntest.Greeting+"\r\n") != nil {
		return
	}
	go func() {
		dec := json.NewDecoder(c)
		for {
			var cmd struct {
				Execute string          `json:"execute"`
				ID      json.RawMessage `json:"id"`
			}
			if dec.Decode(&cmd) != nil {
				return
			}
			ret := `{}`
			switch cmd.Execute {
			case "query-name":
				ret = `{"name": "flood"}`
			case "query-status":
				ret = `{"status": "running", "singlestep": false, "running": true}`
			}
			msg := `{"return": ` + ret
			if cmd.ID != nil {
				msg += `, "id": ` + string(cmd.ID)
			}
			if send(msg+"}\r\n") != nil {
				return
			}
		}
	}()
	pad := strings.Repeat("x", 700) // lines that straddle write buffers
	for i := 0; ; i++ {
		var b strings.Builder
		for j := range 40 {
			fmt.Fprintf(&b, `{"timestamp": {"seconds": 1700000000, "microseconds": %d}, "event": "VSERPORT_CHANGE", "data": {"id": "n%d-%s", "open": true}}`+"\r\n", j, i*40+j, pad)
		}
		if send(b.String()) != nil {
			return
		}
	}
}

// SIGHUP (a closed terminal) and SIGQUIT end a run as SIGTERM does, under a
// flood: exit 0; whole lines on stdout and in the record (watch); the
// listening socket removed (listen, dialled as QEMU does with
// -chardev socket,reconnect=N).
func TestHangupAndQuitUnderFlood(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGQUIT} {
		t.Run("watch "+sig.String(), func(t *testing.T) {
			dir := qemutest.ShortTempDir(t)
			mon := filepath.Join(dir, "m.sock")
			rec := filepath.Join(dir, "rec.log")
			ln, err := net.Listen("unix", mon)
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			done := make(chan struct{})
			go func() {
				defer close(done)
				if c, err := ln.Accept(); err == nil {
					floodQEMU(c)
				}
			}()
			cmd, stdout, stderr := startProc(t, "connected to", "watch", mon, "-o", "json", "--schema", "builtin", "--record", rec)
			waitFor1(t, stdout, `"VSERPORT_CHANGE"`, 500)
			cmd.Process.Signal(sig)
			if code := waitExit(t, cmd, 60*time.Second); code != 0 {
				t.Errorf("exit %d after %v, want 0; stderr:\n%s", code, sig, stderr)
			}
			<-done
			if n := len(eventIDs(t, "stdout", stdout.String())); n < 500 {
				t.Errorf("stdout has %d events", n)
			}
			b, err := os.ReadFile(rec)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(eventIDs(t, "record", string(b))); n < 500 {
				t.Errorf("record has %d events", n)
			}
		})
		t.Run("listen "+sig.String(), func(t *testing.T) {
			sock := filepath.Join(qemutest.ShortTempDir(t), "l.sock")
			cmd, stdout, stderr := startProc(t, "listening on", "listen", sock, "-o", "json", "--schema", "builtin")
			done := make(chan struct{})
			go func() {
				defer close(done)
				c, err := net.Dial("unix", sock)
				if err != nil {
					t.Errorf("dial %s: %v", sock, err)
					return
				}
				floodQEMU(c)
			}()
			waitFor1(t, stdout, `"VSERPORT_CHANGE"`, 500)
			cmd.Process.Signal(sig)
			if code := waitExit(t, cmd, 60*time.Second); code != 0 {
				t.Errorf("exit %d after %v, want 0; stderr:\n%s", code, sig, stderr)
			}
			<-done
			if n := len(eventIDs(t, "stdout", stdout.String())); n < 500 {
				t.Errorf("stdout has %d events", n)
			}
			if _, err := os.Lstat(sock); !os.IsNotExist(err) {
				t.Errorf("listening socket left behind after %v: %v", sig, err)
			}
		})
	}
}

// listen's socket is owner-only unless --socket-mode says otherwise.
func TestListenSocketMode(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want os.FileMode
	}{
		{nil, 0o600},
		{[]string{"--socket-mode", "0660"}, 0o660},
	} {
		sock := filepath.Join(qemutest.ShortTempDir(t), "l.sock")
		ctx, cancel := context.WithCancel(context.Background())
		stderr := &syncBuffer{}
		done := make(chan int, 1)
		go func() {
			args := append([]string{"listen", sock}, tt.args...)
			done <- run(ctx, args, &iostreams.Streams{In: strings.NewReader(""), Out: io.Discard, ErrOut: stderr})
		}()
		waitFor1(t, stderr, "listening on", 1)
		fi, err := os.Stat(sock)
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("exit %d: %s", code, stderr)
		}
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != tt.want {
			t.Errorf("%v: mode %v, want %v", tt.args, fi.Mode().Perm(), tt.want)
		}
	}
}

// silentQueries greets and accepts qmp_capabilities, then never answers a
// query; once it has seen query-status it sends a RESET.
func silentQueries(p *conntest.Peer) error {
	if err := p.Greet(); err != nil {
		return err
	}
	return p.Serve(conntest.Replies{
		"query-status": func(p *conntest.Peer, c conntest.Command) error {
			return p.Event("RESET", `{"guest": true, "reason": "guest-reset"}`)
		},
		"*": conntest.Silent,
	})
}

// Issue 12 item 13: --timeout bounds the whole wait of single-VM watch,
// the startup queries included, and says what it was still waiting for;
// --query-timeout sets the wait for each query's reply.
func TestTimeoutCoversStartupQueries(t *testing.T) {
	s := conntest.NewServer(t, silentQueries)
	streams, out, errOut := testStreams("")
	code := run(context.Background(), []string{"watch", s.Addr, "-o", "json", "--until", "SHUTDOWN", "--timeout", "1s"}, streams)
	if code != exitcode.Timeout {
		t.Errorf("exit %d, want 4; stderr:\n%s", code, errOut)
	}
	if want := "qmpwatch: timeout: no SHUTDOWN within 1s\n"; !strings.HasSuffix(errOut.String(), want) {
		t.Errorf("stderr %q, want it to end with %q", errOut, want)
	}
	if out.Len() != 0 {
		t.Errorf("stdout %q", out)
	}

	// A monitor that never greets: --timeout (1s) ends the wait before
	// --greeting-timeout (30s) would.
	mute := conntest.NewServer(t, func(p *conntest.Peer) error { p.WaitClosed(); return nil })
	streams, _, errOut = testStreams("")
	code = run(context.Background(), []string{"watch", mute.Addr, "--until", "SHUTDOWN", "--timeout", "1s", "--greeting-timeout", "30s"}, streams)
	if code != exitcode.Timeout {
		t.Errorf("mute monitor: exit %d, want 4; stderr:\n%s", code, errOut)
	}
	if want := "qmpwatch: timeout: no SHUTDOWN within 1s (still waiting for the greeting)\n"; errOut.String() != want {
		t.Errorf("stderr %q, want %q", errOut, want)
	}

	// The queries unanswered within --query-timeout, the VM is watched all
	// the same, and the RESET sent meanwhile is kept.
	s2 := conntest.NewServer(t, silentQueries)
	streams, out, errOut = testStreams("")
	code = run(context.Background(), []string{"watch", s2.Addr, "-o", "json", "--until", "RESET", "--timeout", "60s", "--query-timeout", "500ms"}, streams)
	if code != exitcode.OK {
		t.Errorf("exit %d, want 0; stderr:\n%s", code, errOut)
	}
	if !strings.Contains(out.String(), `"event":"RESET"`) {
		t.Errorf("stdout %q, want the RESET", out)
	}
}

// replay -F follows as tail -F does and says so on stderr: a truncated file
// is read again from its start, a file replaced at its path (rotation) is
// read from the new file's start; no event is lost either way.
func TestReplayFollowSaysWhenItStartsOver(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vm9.log")
	os.WriteFile(path, []byte(`{"event":"STOP"}`+"\n"), 0o644)
	s, _, _ := testStreams("")
	out, errOut := &syncBuffer{}, &syncBuffer{}
	s.Out, s.ErrOut = out, errOut
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code := make(chan int, 1)
	go func() { code <- run(ctx, []string{"replay", "-F", "-o", "json", path}, s) }()
	line := func(ev string) string { return `{"event":"` + ev + `","vm":"vm9"}` + "\n" }
	waitOutput(t, out, line("STOP"))

	// Truncated (: > f), then two events appended.
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	waitFor1(t, errOut, "qmpwatch: "+path+": truncated; reading from the start\n", 1)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"event":"RESUME"}` + "\n" + `{"event":"RESET"}` + "\n")
	f.Close()
	waitOutput(t, out, line("STOP")+line("RESUME")+line("RESET"))

	// Rotated: a new file takes the path.
	next := path + ".new"
	os.WriteFile(next, []byte(`{"event":"SHUTDOWN"}`+"\n"), 0o644)
	if err := os.Rename(next, path); err != nil {
		t.Fatal(err)
	}
	waitOutput(t, out, line("STOP")+line("RESUME")+line("RESET")+line("SHUTDOWN"))
	waitFor1(t, errOut, "qmpwatch: "+path+": replaced; reading the new file\n", 1)
	cancel()
	if c := <-code; c != 0 {
		t.Errorf("exit %d, stderr %q", c, errOut)
	}
	if want := "qmpwatch: " + path + ": truncated; reading from the start\nqmpwatch: " + path + ": replaced; reading the new file\n"; errOut.String() != want {
		t.Errorf("stderr %q, want %q", errOut, want)
	}
}

// SIGHUP with a real QEMU connected to listen: exit 0, whole lines, and the
// socket removed (QEMU keeps redialling a path that is gone, harmlessly).
func TestHangupListenRealQEMU(t *testing.T) {
	path := filepath.Join(qemutest.ShortTempDir(t), "listen.sock")
	cmd, stdout, stderr := startProc(t, "listening on", "listen", path, "-o", "json")
	chardev := []string{"-chardev", "socket,id=qw,path=" + path + ",reconnect=1", "-mon", "chardev=qw,mode=control"}
	vm := qemutest.Start(t, qemutest.Options{Name: "hup-vm", Extra: chardev, Paused: true})
	waitFor1(t, stderr, "qmpwatch: connected to hup-vm (QEMU", 1)
	vm.MustDo(t, "cont", nil)
	vm.WaitEvent(t, "RESUME", 10*time.Second)
	waitFor1(t, stdout, `"RESUME"`, 1)
	cmd.Process.Signal(syscall.SIGHUP)
	if code := waitExit(t, cmd, 30*time.Second); code != 0 {
		t.Fatalf("exit %d after SIGHUP, want 0; stderr:\n%s", code, stderr)
	}
	eventIDs(t, "stdout", stdout.String())
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Errorf("listening socket left behind after SIGHUP: %v", err)
	}
}

// --query-timeout is on every command that asks monitors: status names the
// wait when query-status goes unanswered; sessions and serve go on without
// the answer once it has passed (well inside the 3 s given, where the
// default 10 s would still be waiting), serve keeping the event sent
// meanwhile.
func TestQueryTimeoutOnEveryAskingCommand(t *testing.T) {
	s := conntest.NewServer(t, silentQueries)
	streams, _, errOut := testStreams("")
	code := run(context.Background(), []string{"status", s.Addr, "-o", "json", "--query-timeout", "300ms"}, streams)
	if code != exitcode.Error || !strings.Contains(errOut.String(), "query-status: no reply within 300ms") {
		t.Errorf("status: exit %d, stderr %q", code, errOut)
	}
	for _, cmd := range []string{"sessions", "serve"} {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		streams, out, errOut := testStreams("")
		args := []string{cmd, s.Addr, "-o", "json", "--query-timeout", "300ms"}
		if cmd == "serve" {
			args = append(args, "--metrics", "127.0.0.1:0")
		}
		run(ctx, args, streams)
		cancel()
		if !strings.Contains(errOut.String(), "qmpwatch: connected to vm1 ") {
			t.Errorf("%s: never connected with the queries unanswered; stderr %q", cmd, errOut)
		}
		if cmd == "serve" && !strings.Contains(out.String(), `"event":"RESET"`) {
			t.Errorf("serve: stdout %q, want the RESET", out)
		}
	}
}
