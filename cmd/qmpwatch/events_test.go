package main

import (
	"bufio"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
)

func runEvents(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	s, out, errOut := testStreams("")
	code = run(context.Background(), append([]string{"events"}, args...), s)
	return code, out.String(), errOut.String()
}

func TestEventsList(t *testing.T) {
	code, out, errOut := runEvents(t)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if !strings.HasPrefix(lines[0], "NAME") || !strings.Contains(lines[0], "SINCE") || !strings.Contains(lines[0], "DESCRIPTION") {
		t.Errorf("header %q", lines[0])
	}
	if got, want := len(lines)-1, len(decode.Builtin().Events()); got != want {
		t.Errorf("%d rows, want %d", got, want)
	}
	col := strings.Index(lines[0], "SINCE")
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, "BLOCK_IO_ERROR ") && !strings.HasPrefix(l[col:], "0.13 ") {
			t.Errorf("not aligned or wrong since: %q", l)
		}
		if strings.HasPrefix(l, "QMPWATCH_RECONNECTED") && !strings.HasPrefix(l[col:], "qmpwatch") {
			t.Errorf("own event: %q", l)
		}
	}
}

func TestEventsJSON(t *testing.T) {
	code, out, _ := runEvents(t, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		var e decode.EventDoc
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		if e.Name == "WATCHDOG" && (!e.RateLimited || len(e.FollowUps) != 3 || e.Fields[0].Type != "enum") {
			t.Errorf("WATCHDOG: %+v", e)
		}
		n++
	}
	if n != len(decode.Builtin().Events()) {
		t.Errorf("%d lines", n)
	}
}

func TestEventsShow(t *testing.T) {
	code, out, _ := runEvents(t, "block_io_error")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{
		"BLOCK_IO_ERROR\n", "Since QEMU 0.13.", "Fields:", "operation", "enum(read, write)",
		"(optional, since 2.2)", "Followed by:", `STOP when action == "stop"`, "Example:", `"event": "BLOCK_IO_ERROR"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	_, out, _ = runEvents(t, "RTC_CHANGE")
	if !strings.Contains(out, "Rate-limited") {
		t.Errorf("RTC_CHANGE not rate-limited:\n%s", out)
	}
	code, _, errOut := runEvents(t, "NO_SUCH_EVENT")
	if code != exitcode.Usage || !strings.Contains(errOut, "unknown event") {
		t.Errorf("unknown event: exit %d, stderr %q", code, errOut)
	}
}

// TestEventsLiveRealQEMU compares the catalog with the installed QEMU.
func TestEventsLiveRealQEMU(t *testing.T) {
	vm := qemutest.Start(t, qemutest.Options{Name: "live"})
	code, out, errOut := runEvents(t, "--live", vm.Monitor)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"QEMU 7.", "NAME", "RESET", "guest,reason", "Catalog events newer than QEMU", "NETDEV_VHOST_USER_CONNECTED",
		"The catalog knows every event and field of this QEMU."} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	code, out, errOut = runEvents(t, "--live", vm.Monitor, "-o", "json")
	if code != 0 {
		t.Fatalf("json: exit %d, stderr %q", code, errOut)
	}
	var v struct {
		Events []string `json:"events"`
		Extra  []string `json:"extra"`
		Fields []string `json:"fields"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Events) < 40 || len(v.Extra) != 0 || len(v.Fields) != 0 {
		t.Errorf("live json: %d events, extra %v, fields %v", len(v.Events), v.Extra, v.Fields)
	}
}

// events tells everything the catalog knows: removed events, rate limits
// with exceptions, union variants and enum value versions.
func TestEventsTellEverything(t *testing.T) {
	_, out, _ := runEvents(t, "mem_unplug_error")
	if !strings.Contains(out, "removed in QEMU 9.1") {
		t.Errorf("events MEM_UNPLUG_ERROR:\n%s", out)
	}
	_, out, _ = runEvents(t)
	if !strings.Contains(out, "MEM_UNPLUG_ERROR                2.4-9.1") {
		t.Errorf("events list does not show the removal:\n%s", out)
	}
	_, out, _ = runEvents(t, "-o", "json", "BLOCK_IO_ERROR")
	var e decode.EventDoc
	if err := json.Unmarshal([]byte(out), &e); err != nil {
		t.Fatal(err)
	}
	if e.RateLimit == nil || len(e.RateLimit.Except) != 1 || e.Fields[0].Name != "qom-path" {
		t.Errorf("BLOCK_IO_ERROR: %s", out)
	}
	_, out, _ = runEvents(t, "-o", "json", "GUEST_PANICKED")
	if !strings.Contains(out, `"variants":{"hyper-v":[`) || !strings.Contains(out, `"value_since":{`) {
		t.Errorf("GUEST_PANICKED without variants or value versions: %s", out)
	}
}
