package filter

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// TestFastPredAgreesWithJQ runs each expression both ways on every recorded
// real QEMU event and on hand-made edge cases: wherever the fast path gives
// an answer, it must be jq's.
func TestFastPredAgreesWithJQ(t *testing.T) {
	exprs := []string{
		`.data.client."channel-type"==1`,
		`.data.client."channel-type" == 1 and .data.client.tls == false`,
		`select(.data.device == "job1" or .event == "STOP")`,
		`1 == .data.client."channel-type"`,
		`.data.len > 1000`, `.data.len >= 18446744073709551615`, `.data.offset < -1`, `.data.len <= 4.5`,
		`.data.reason != "guest-reset"`, `.data.guest == true`, `.data.info == null`,
		`.data.client.port == "41134"`, `.data.client.port == 41134`,
		`.vm == "demo-vm"`, `.event == "RESET"`, `.data.x.y.z == null`, `(.data.action == "stop")`,
		`.data.device.x == 1`, `.data.client."connection-id" == -1296444001`,
	}
	var events []*decode.Event
	files, _ := filepath.Glob("../../testdata/recordings/*.qmp")
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			if ev := eventOf(sc.Text(), "demo-vm"); ev != nil {
				events = append(events, ev)
			}
		}
		fh.Close()
	}
	for _, line := range []string{
		`{"event": "X", "data": {"device": "s", "len": 18446744073709551615, "offset": -2, "x": null}}`,
		`{"event": "X", "data": {"device": {"x": 1}, "len": 4.5, "client": "str"}}`,
		`{"event": "X", "data": null}`,
		`{"event": "X"}`,
		`{"event": "X", "data": {"client": [1, 2]}}`,
		`{"event": "X", "data": {"client": {"channel-type": 1.0, "tls": false}}}`,
	} {
		events = append(events, eventOf(line, ""))
	}
	fastAnswers := 0
	for _, expr := range exprs {
		je, err := compileJQ("-f", expr)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		fp := compileFast(je.query)
		if fp == nil {
			t.Errorf("%s: not on the fast path", expr)
			continue
		}
		for _, ev := range events {
			truth, ok := fp.eval(ev)
			jqTruth, err := je.truthy(context.Background(), ev.Object())
			if !ok {
				continue
			}
			fastAnswers++
			if err != nil {
				t.Errorf("%s on %s: fast path answered %v where jq fails: %v", expr, ev.Raw, truth, err)
			} else if truth != jqTruth {
				t.Errorf("%s on %s: fast %v, jq %v", expr, ev.Raw, truth, jqTruth)
			}
		}
	}
	for expr, want := range map[string]bool{`.vm == "a"`: true, `.data.vm == "a" and .event == "X"`: false, `.event == "X" or .vm == null`: true} {
		je, _ := compileJQ("-f", expr)
		if got := compileFast(je.query).reads("vm"); got != want {
			t.Errorf("%s: reads vm = %v, want %v", expr, got, want)
		}
	}
	if fastAnswers < len(exprs)*len(events)/2 {
		t.Errorf("the fast path answered only %d of %d", fastAnswers, len(exprs)*len(events))
	}
	for _, slow := range []string{`.data | length > 1`, `.data.x[0] == 1`, `any(.data[]; . == 1)`, `def f: 1; .data.x == f`, `.data.x == $ENV.HOME`, `select(.data.device == "job1") or .event == "STOP"`} {
		je, err := compileJQ("-f", slow)
		if err != nil {
			t.Fatalf("%s: %v", slow, err)
		}
		if compileFast(je.query) != nil {
			t.Errorf("%s should be left to jq", slow)
		}
	}
}

func eventOf(line, vm string) *decode.Event {
	m, err := decode.ScanMessage([]byte(strings.TrimSpace(line)))
	if err != nil || m.Kind != decode.MsgEvent {
		return nil
	}
	return decode.NewEvent(&m, vm)
}

// TestRejectsRawNeverDropsAKeeper: whatever RejectsRaw drops unread, the
// full filters would have dropped too.
func TestRejectsRawNeverDropsAKeeper(t *testing.T) {
	specs := []Spec{
		{Wheres: []string{"client.channel-type==1"}},
		{Wheres: []string{"device==job1", "len>0"}},
		{Events: []string{"SPICE_*"}, Filter: `.data.client.tls == false`},
		{Filter: `select(.data.reason == "guest-reset")`},
		{Filter: `.vm == "demo-vm"`},
		{Excludes: []string{"JOB_STATUS_CHANGE"}, Wheres: []string{"status"}},
	}
	files, _ := filepath.Glob("../../testdata/recordings/*.qmp")
	var lines []string
	for _, f := range files {
		b, _ := os.ReadFile(f)
		lines = append(lines, strings.Split(string(b), "\n")...)
	}
	dropped := 0
	for _, sp := range specs {
		set, err := Compile(sp)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range lines {
			l = strings.TrimSpace(l)
			name, data, ok := decode.PeekEvent([]byte(l))
			if !ok {
				continue
			}
			ev := eventOf(l, "demo-vm")
			keep, _, err := set.Eval(context.Background(), ev)
			if set.RejectsRaw(name, data) {
				dropped++
				if keep || err != nil {
					t.Errorf("%+v: RejectsRaw dropped %s, which the filters keep (%v)", sp, l, err)
				}
			}
		}
	}
	if dropped == 0 {
		t.Error("RejectsRaw never dropped anything")
	}
}
