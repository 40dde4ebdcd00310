package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/testkit/golden"
)

const mixedLog = "../../testdata/replay/mixed.log"

func runReplayCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	s, out, errOut := testStreams(stdin)
	code = run(context.Background(), append([]string{"replay"}, args...), s)
	return code, out.String(), errOut.String()
}

// checkGolden compares got with testdata/replay/NAME.
func checkReplayGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("../../testdata/replay", name), []byte(got))
}

const mixedWarning = "qmpwatch: " + mixedLog + ":6: skipped: not a QMP event, a qmpwatch json line or virsh qemu-monitor-event output\n"

// Every format in one file: qmpwatch json (vm kept), virsh with and without
// quotes and --timestamp (domain as vm), a raw transcript (file name as vm),
// one bad line (warned about, the rest printed).
func TestReplayMixed(t *testing.T) {
	code, out, errOut := runReplayCLI(t, "", mixedLog, "-o", "json")
	if code != 0 || errOut != mixedWarning {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	checkReplayGolden(t, "mixed.json", out)

	// Pretty output shows each event's VM: logs often mix several.
	code, out, _ = runReplayCLI(t, "", mixedLog, "-o", "pretty", "--time", "utc", "--color", "never")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != 0 || len(lines) != 10 || !strings.Contains(lines[1], "  db 1  SPICE_INITIALIZED") || !strings.Contains(lines[9], "  mixed   SHUTDOWN") {
		t.Errorf("pretty: exit %d\n%s", code, out)
	}
}

func TestReplayStdinAndLabel(t *testing.T) {
	in, err := os.ReadFile(mixedLog)
	if err != nil {
		t.Fatal(err)
	}
	_, fromFile, _ := runReplayCLI(t, "", mixedLog, "-o", "json")
	for _, args := range [][]string{{"-o", "json"}, {"-", "-o", "json"}} {
		code, out, errOut := runReplayCLI(t, string(in), args...)
		want := strings.ReplaceAll(fromFile, `"vm":"mixed"`, `"vm":"stdin"`)
		if code != 0 || out != want || errOut != "qmpwatch: stdin:6: skipped: not a QMP event, a qmpwatch json line or virsh qemu-monitor-event output\n" {
			t.Errorf("%v: exit %d, stderr %q, stdout\n%s", args, code, errOut, out)
		}
	}
	// --label names only the events whose line names no VM.
	_, out, _ := runReplayCLI(t, string(in), "--label", "lab", "-o", "json")
	if want := strings.ReplaceAll(fromFile, `"vm":"mixed"`, `"vm":"lab"`); out != want {
		t.Errorf("--label: got\n%s", out)
	}
}

func TestReplayGzipAndSeveralFiles(t *testing.T) {
	in, err := os.ReadFile(mixedLog)
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(in)
	zw.Close()
	dir := t.TempDir()
	gz := filepath.Join(dir, "mixed.log.gz")
	os.WriteFile(gz, z.Bytes(), 0o644)
	_, plain, _ := runReplayCLI(t, "", mixedLog, "-o", "json")
	code, out, errOut := runReplayCLI(t, "", gz, mixedLog, "-o", "json")
	if code != 0 || out != plain+plain {
		t.Errorf("exit %d, stdout\n%s", code, out)
	}
	if want := "qmpwatch: " + gz + ":6: skipped"; !strings.HasPrefix(errOut, want) || strings.Count(errOut, "\n") != 2 {
		t.Errorf("stderr %q", errOut)
	}
}

func TestReplayFilterAndCount(t *testing.T) {
	code, out, _ := runReplayCLI(t, "", mixedLog, "-o", "json", "-e", "RESET", "-n", "1")
	if code != 0 || strings.Count(out, "\n") != 1 || !strings.Contains(out, `"event":"RESET","data":{"guest":true,"reason":"guest-reset"},"vm":"db 1"`) {
		t.Errorf("exit %d, stdout %s", code, out)
	}
}

func TestReplayErrors(t *testing.T) {
	code, out, errOut := runReplayCLI(t, "", "no-such.log")
	if code != exitcode.Error || out != "" || errOut != "qmpwatch: open no-such.log: no such file or directory\n" {
		t.Errorf("missing file: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = runReplayCLI(t, "", "-", "-")
	if code != exitcode.Usage || !strings.HasPrefix(errOut, "qmpwatch: standard input (-) given twice\n") {
		t.Errorf("stdin twice: exit %d, stderr %q", code, errOut)
	}
}

// replay -F prints lines appended to a file after its end was reached, and
// ends quietly when interrupted.
func TestReplayFollow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vm9.log")
	os.WriteFile(path, []byte(`{"event":"STOP"}`+"\n"), 0o644)
	s, _, _ := testStreams("")
	out, errOut := &syncBuffer{}, &syncBuffer{}
	s.Out, s.ErrOut = out, errOut
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code := make(chan int, 1)
	go func() { code <- run(ctx, []string{"replay", "-F", "-o", "json", path}, s) }()
	waitOutput(t, out, `{"event":"STOP","vm":"vm9"}`+"\n")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("bad line\n{\"event\":\"RESUME\"}\n")
	f.Close()
	waitOutput(t, out, `{"event":"STOP","vm":"vm9"}`+"\n"+`{"event":"RESUME","vm":"vm9"}`+"\n")
	cancel()
	if c := <-code; c != 0 || errOut.String() != "qmpwatch: "+path+":2: skipped: not a QMP event, a qmpwatch json line or virsh qemu-monitor-event output\n" {
		t.Errorf("exit %d, stderr %q", c, errOut.String())
	}
}

// waitOutput waits (bounded) until b holds exactly want.
func waitOutput(t *testing.T, b *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for b.String() != want {
		if time.Now().After(deadline) {
			t.Fatalf("output so far:\n%s\nwant:\n%s", b.String(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A log has no live monitor to ask for its schema: --schema live is a usage
// error, not a silent fall back to the catalog.
func TestReplaySchemaLiveIsUsageError(t *testing.T) {
	streams, out, errOut := testStreams(`{"timestamp": {"seconds": 1, "microseconds": 0}, "event": "STOP"}` + "\n")
	code := run(context.Background(), []string{"replay", "--schema", "live"}, streams)
	if code != exitcode.Usage || out.Len() != 0 || !strings.Contains(errOut.String(), "--schema live needs a running QEMU") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// A transcript's greeting says which QEMU sent the events after it, and the
// schema check judges them as that version, as watch does live: the "id"
// of DEVICE_TRAY_MOVED appeared in QEMU 2.8, so a 7.2 event without it is
// reported, while the same event with no greeting before it (version
// unknown) is not, and neither is one from a QEMU 2.5.
func TestReplayAppliesGreetingVersion(t *testing.T) {
	greeting := func(major, minor int) string {
		return fmt.Sprintf(`{"QMP": {"version": {"qemu": {"micro": 0, "minor": %d, "major": %d}, "package": ""}, "capabilities": []}}`+"\n", minor, major)
	}
	const tray = `{"timestamp": {"seconds": 1700000000, "microseconds": 1}, "event": "DEVICE_TRAY_MOVED", "data": {"device": "ide1-cd0", "tray-open": true}}` + "\n"
	tests := []struct {
		name, log string
		reported  bool
	}{
		{"7.2 greeting", greeting(7, 2) + tray, true},
		{"no greeting", tray, false},
		{"2.5 greeting", greeting(2, 5) + tray, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runReplayCLI(t, tt.log, "--schema", "builtin", "-o", "json", "--label", "vm1")
			if code != 0 || !strings.Contains(out, "DEVICE_TRAY_MOVED") {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
			}
			got := strings.Contains(errOut, "vm1: DEVICE_TRAY_MOVED: ") && strings.Contains(errOut, "id")
			if got != tt.reported {
				t.Errorf("missing id reported: %v, want %v; stderr:\n%s", got, tt.reported, errOut)
			}
		})
	}
}

// TestReplayStdinOnTerminal: replay with no FILE on a terminal says that it
// reads standard input, rather than wait without a word; -q and a pipe
// keep stderr quiet.
func TestReplayStdinOnTerminal(t *testing.T) {
	const notice = "qmpwatch: replay: reading a log from standard input (paste or type QMP lines, Ctrl-D to end; or give a FILE)\n"
	for _, tc := range []struct {
		tty  bool
		args []string
		want string
	}{
		{tty: true, args: []string{"replay"}, want: notice},
		{tty: true, args: []string{"replay", "-"}, want: notice},
		{tty: true, args: []string{"replay", "-q"}},
		{tty: false, args: []string{"replay"}},
	} {
		s, _, errOut := testStreams("")
		s.InTTY = tc.tty
		if code := run(context.Background(), tc.args, s); code != 0 {
			t.Errorf("%v: exit %d: %s", tc.args, code, errOut)
		}
		if errOut.String() != tc.want {
			t.Errorf("%v, terminal %v: stderr %q, want %q", tc.args, tc.tty, errOut, tc.want)
		}
	}
}
