package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/testkit/conntest"
)

// Real QEMU 7.2 event lines, with a 64-bit size and a negative connection-id
// that must come out exactly as they went in.
var fakeEvents = []string{
	`{"timestamp": {"seconds": 1700000000, "microseconds": 5}, "event": "STOP"}`,
	`{"timestamp": {"seconds": 1700000001, "microseconds": 6}, "event": "BLOCK_JOB_READY", "data": {"device": "job1", "len": 9223372036854775807, "offset": 9007199254740993, "speed": 0, "type": "mirror"}}`,
	`{"timestamp": {"seconds": 1700000002, "microseconds": 7}, "event": "SPICE_INITIALIZED", "data": {"server": {"auth": "none", "port": "5900", "family": "ipv4", "host": "127.0.0.1"}, "client": {"port": "41134", "family": "ipv4", "channel-type": 1, "connection-id": -1296444001, "host": "127.0.0.1", "channel-id": 0, "tls": false}}}`,
}

func fakeVM(t *testing.T, name string, events ...string) *conntest.Server {
	return conntest.NewServer(t, func(p *conntest.Peer) error {
		if err := p.Handshake(name); err != nil {
			return err
		}
		for _, e := range events {
			if err := p.SendLine(e); err != nil {
				return err
			}
		}
		return nil
	})
}

func TestWatchJSONIsExact(t *testing.T) {
	s := fakeVM(t, "vm-alpha", fakeEvents...)
	streams, out, errOut := testStreams("")
	code := run(context.Background(), []string{"watch", s.Addr}, streams)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != len(fakeEvents) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(fakeEvents), out)
	}
	for i, l := range lines {
		want := strings.ReplaceAll(strings.ReplaceAll(fakeEvents[i], ": ", ":"), ", ", ",")
		want = strings.TrimSuffix(want, "}") + `,"vm":"vm-alpha"}`
		if l != want {
			t.Errorf("line %d:\n got %s\nwant %s", i, l, want)
		}
	}
	wantErr := "qmpwatch: connected to vm-alpha (QEMU 7.2.22) at " + s.Addr + "\nvm-alpha: QEMU went away without a SHUTDOWN event (killed or crashed?)\n"
	if errOut.String() != wantErr {
		t.Errorf("stderr:\n%s\nwant:\n%s", errOut, wantErr)
	}
}

func TestWatchLabels(t *testing.T) {
	tests := []struct {
		name, vmName string
		args         []string
		want         string
	}{
		{"query-name", "vm-alpha", nil, `"vm":"vm-alpha"`},
		{"socket base name", "", nil, `"vm":"vm1"`},
		{"--label wins", "vm-alpha", []string{"--label", "web1"}, `"vm":"web1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fakeVM(t, tt.vmName, fakeEvents[0])
			streams, out, errOut := testStreams("")
			args := append([]string{"watch", s.Addr, "-o", "json"}, tt.args...)
			if code := run(context.Background(), args, streams); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if !strings.Contains(out.String(), tt.want) {
				t.Errorf("output %s lacks %s", out, tt.want)
			}
		})
	}
}

func TestWatchDefaultFormatFollowsTTY(t *testing.T) {
	for _, tty := range []bool{false, true} {
		s := fakeVM(t, "vm1", fakeEvents[0])
		streams, out, _ := testStreams("")
		streams.OutTTY = tty
		if code := run(context.Background(), []string{"watch", s.Addr, "--time", "unix"}, streams); code != 0 {
			t.Fatalf("exit %d", code)
		}
		isJSON := strings.HasPrefix(out.String(), "{")
		if isJSON == tty {
			t.Errorf("tty=%v: output %q", tty, out)
		}
		if tty && !strings.Contains(out.String(), "1700000000.000005") {
			t.Errorf("pretty output lacks the unix time: %q", out)
		}
	}
}

func TestWatchErrorsAreOneLine(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "file.qmp")
	os.WriteFile(plain, nil, 0o600)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing socket", []string{"watch", filepath.Join(dir, "none.qmp")}, 1, "no such socket"},
		{"not a socket", []string{"watch", plain}, 1, "not a socket (it is a regular file)"},
		{"refused", []string{"watch", "tcp:127.0.0.1:1"}, 1, "connection refused"},
		// Issue 12 items 15 and 16: unix:PATH is literal, unix: alone is usage.
		{"unix: literal", []string{"watch", "unix:" + filepath.Join(dir, "vm[1].qmp")}, 1, "no such socket"},
		{"unix: with [2J", []string{"watch", "unix:" + filepath.Join(dir, "\x1b[2J.qmp")}, 1, `\x1b[2J.qmp: no such socket`},
		{"unix: alone", []string{"watch", "unix:"}, 2, "empty socket path"},
		{"empty address", []string{"watch", ""}, 2, "empty monitor address"},
		{"no address", []string{"watch"}, 2, "accepts 1 arg"},
		{"bad flag value", []string{"watch", "x.qmp", "-o", "yaml"}, 2, "want one of pretty, json, table, template"},
		{"bad tcp", []string{"watch", "tcp:nohost"}, 2, "want tcp:HOST:PORT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			streams, out, errOut := testStreams("")
			code := run(context.Background(), tt.args, streams)
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			if out.Len() != 0 {
				t.Errorf("stdout not empty: %q", out)
			}
			first, _, _ := strings.Cut(errOut.String(), "\n")
			if !strings.HasPrefix(first, "qmpwatch: ") || !strings.Contains(first, tt.want) {
				t.Errorf("stderr %q, want one line saying %q", errOut, tt.want)
			}
			if tt.code == 1 && strings.Count(errOut.String(), "\n") != 1 {
				t.Errorf("stderr has more than one line: %q", errOut)
			}
		})
	}
}

// pipeWriter fails like a pipe whose reader left (qmpwatch ... | head -1).
type pipeWriter struct{}

func (pipeWriter) Write(p []byte) (int, error) {
	return 0, &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}
}

func TestWatchClosedPipeEndsQuietly(t *testing.T) {
	s := fakeVM(t, "vm1", fakeEvents...)
	streams, _, errOut := testStreams("")
	streams.Out = pipeWriter{}
	if code := run(context.Background(), []string{"watch", s.Addr, "-o", "json"}, streams); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	if strings.Contains(errOut.String(), "broken pipe") {
		t.Errorf("stderr mentions the pipe: %q", errOut)
	}
}

func TestConfigFillsUnsetFlags(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte("pipe-output: pretty\nlabel: from-config\ntime: unix\n"), 0o600)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"config file", nil, []string{"--config", cfg}, []string{"1700000000.000005", "from-config"}},
		{"env beats config", map[string]string{"QMPWATCH_LABEL": "from-env"}, []string{"--config", cfg}, []string{"from-env"}},
		{"flag beats env", map[string]string{"QMPWATCH_LABEL": "from-env"}, []string{"--config", cfg, "--label", "from-flag"}, []string{"from-flag"}},
		{"xdg default", map[string]string{"XDG_CONFIG_HOME": dir + "/xdg"}, nil, []string{"from-xdg"}},
	}
	os.MkdirAll(filepath.Join(dir, "xdg", "qmpwatch"), 0o700)
	os.WriteFile(filepath.Join(dir, "xdg", "qmpwatch", "config.yaml"), []byte("label: from-xdg\n"), 0o600)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("XDG_CONFIG_HOME", dir+"/none")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			s := fakeVM(t, "vm1", fakeEvents[0])
			streams, out, errOut := testStreams("")
			args := append([]string{"watch", s.Addr}, tt.args...)
			if code := run(context.Background(), args, streams); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output %q lacks %q", out, w)
				}
			}
		})
	}
	streams, _, errOut := testStreams("")
	if code := run(context.Background(), []string{"watch", "x.qmp", "--config", filepath.Join(dir, "missing.yaml")}, streams); code != 2 {
		t.Errorf("a missing --config file: exit %d (%s), want 2", code, errOut)
	}
}

func TestVersion(t *testing.T) {
	streams, out, _ := testStreams("")
	if code := run(context.Background(), []string{"version"}, streams); code != 0 {
		t.Fatal(code)
	}
	if !strings.HasPrefix(out.String(), "qmpwatch ") || !strings.Contains(out.String(), "go1.") {
		t.Errorf("version output %q", out)
	}
}

func TestExitCodeMapping(t *testing.T) {
	var buf strings.Builder
	tests := []struct {
		err  error
		code int
	}{
		{nil, 0}, {exitcode.ErrPipe, 0}, {context.Canceled, 0},
		{errors.New("boom"), 1}, {exitcode.With(exitcode.Usage, errors.New("u")), 2},
		{exitcode.With(exitcode.Expr, errors.New("e")), 3}, {exitcode.With(exitcode.Timeout, errors.New("t")), 4},
		{exitcode.Reported{Code: 4}, 4},
	}
	for _, tt := range tests {
		if got := cmdutil.ExitCodeHint(tt.err, true, &buf, cmdutil.HelpHint(nil)); got != tt.code {
			t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.code)
		}
	}
}

// Garbage while watch waits for its connect-time queries is a broken
// monitor (exit 1), not a quiet end, and the event before it still prints.
func TestWatchGarbageDuringConnectQueries(t *testing.T) {
	s := conntest.NewServer(t, func(p *conntest.Peer) error {
		if err := p.Handshake("vm1"); err != nil {
			return err
		}
		p.Serve(conntest.Replies{"query-status": func(*conntest.Peer, conntest.Command) error { return conntest.Done }, "*": conntest.Silent})
		p.Event("STOP", "")
		p.SendLine("garbage, not JSON")
		p.WaitClosed()
		return nil
	})
	streams, out, errOut := testStreams("")
	code := run(context.Background(), []string{"watch", s.Addr, "-o", "json"}, streams)
	if code != exitcode.Error {
		t.Errorf("exit %d, want %d; stderr %s", code, exitcode.Error, errOut)
	}
	if !strings.Contains(errOut.String(), "protocol error") || !strings.Contains(out.String(), `"event":"STOP"`) {
		t.Errorf("want the STOP before the garbage on stdout and the protocol error on stderr; stdout %q, stderr %q", out, errOut)
	}
}

// TestEveryCommandHasExamples walks the command tree: each command's help
// shows examples.
func TestEveryCommandHasExamples(t *testing.T) {
	root := newRootCmd(&app{streams: &iostreams.Streams{}})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if !c.Hidden && c.Name() != "help" && c.Parent() != nil && c.Parent().Name() != "completion" && c.Example == "" {
			t.Errorf("%q has no examples in its help", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// A VM's -name comes from the wire: whatever path connects to it, the
// status lines on stderr carry it escaped, never as terminal controls.
func TestWatchEscapesVMNameOnStderr(t *testing.T) {
	const evil = `evil\u001b]0;PWNED\u0007\u001b[2J` // as QEMU escapes it in JSON
	for _, extra := range [][]string{nil, {"--markers"}} {
		t.Run(strings.Join(append([]string{"watch"}, extra...), " "), func(t *testing.T) {
			s := fakeVM(t, evil, fakeEvents[0])
			streams, _, errOut := testStreams("")
			args := append([]string{"watch", s.Addr, "-o", "json"}, extra...)
			if code := run(context.Background(), args, streams); code != 0 {
				t.Fatalf("exit %d: %q", code, errOut)
			}
			if strings.ContainsAny(errOut.String(), "\x1b\a") {
				t.Errorf("stderr carries raw controls: %q", errOut)
			}
			if !strings.Contains(errOut.String(), "connected to evil") {
				t.Errorf("no connect line: %q", errOut)
			}
		})
	}
}

// A monitor that refuses query-name is watched all the same, every way it
// can be reached, labelled by its socket: one rule for a failed query-name.
func TestWatchQueryNameRefused(t *testing.T) {
	for _, args := range [][]string{{"watch"}, {"watch", "--markers"}, {"sessions"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			s := conntest.NewServer(t, func(p *conntest.Peer) error {
				if err := p.SendLine(conntest.Greeting); err != nil {
					return err
				}
				c, err := p.Expect("qmp_capabilities")
				if err != nil {
					return err
				}
				if err := p.Reply(c, "{}"); err != nil {
					return err
				}
				if c, err = p.Expect("query-name"); err != nil {
					return err
				}
				msg := `{"error": {"class": "GenericError", "desc": "no"}, "id": ` + string(c.ID) + `}`
				if err := p.SendLine(msg); err != nil {
					return err
				}
				// Refuse the courtesy queries too (query-status, schema).
				return p.Serve(conntest.Replies{
					"query-status": func(p *conntest.Peer, _ conntest.Command) error {
						p.SendLine(fakeEvents[0])
						return conntest.Done
					},
					"*": func(p *conntest.Peer, c conntest.Command) error { return p.ReplyError(c, "GenericError", "no") },
				})
			})
			streams, _, errOut := testStreams("")
			if code := run(context.Background(), append(append(args, s.Addr), "-o", "json"), streams); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if !strings.Contains(errOut.String(), "connected to vm1 (no -name)") {
				t.Errorf("stderr: %s", errOut)
			}
		})
	}
}
