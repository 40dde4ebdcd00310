package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
)

func TestStatusFake(t *testing.T) {
	a := trackVM(t, "vm-a", "running")
	b := trackVM(t, "", "suspended")
	missing := filepath.Join(t.TempDir(), "gone.qmp")
	streams, out, errOut := testStreams("")
	streams.OutTTY = true
	if code := run(context.Background(), []string{"status", a.Addr, missing, b.Addr, "--color", "never"}, streams); code != exitcode.Error {
		t.Errorf("exit %d, want %d", code, exitcode.Error)
	}
	lb := filepath.Base(b.Addr)
	lb = strings.TrimSuffix(lb, filepath.Ext(lb))
	w := max(len(lb), len("vm-a")) + 2
	want := "vm-a" + strings.Repeat(" ", w-4) + "QEMU 7.2.22  running    " + a.Addr + "\n" +
		lb + strings.Repeat(" ", w-len(lb)) + "QEMU 7.2.22  suspended  " + b.Addr + "\n"
	if out.String() != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	if errOut.String() != "qmpwatch: "+missing+": no such socket (is the VM running, and is this its -qmp path?)\n" {
		t.Errorf("stderr %q", errOut)
	}

	streams, out, errOut = testStreams("")
	if code := run(context.Background(), []string{"status", a.Addr}, streams); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	wantJSON := `{"vm":"vm-a","name":"vm-a","address":"` + a.Addr + `","qemu":"7.2.22","status":"running","running":true}` + "\n"
	if out.String() != wantJSON {
		t.Errorf("json:\n%s\nwant:\n%s", out, wantJSON)
	}
}

// Against a real QEMU: started with -S it is in prelaunch; running, then
// stopped by the control monitor, it reads paused.
func TestStatusRealQEMU(t *testing.T) {
	qemutest.Need(t)
	paused := qemutest.Start(t, qemutest.Options{Name: "vm-held", Paused: true})
	running := qemutest.Start(t, qemutest.Options{Name: "vm-run"})
	stopped := qemutest.Start(t, qemutest.Options{Name: "vm-stop"})
	stopped.MustDo(t, "stop", nil)

	streams, out, errOut := testStreams("")
	if code := run(context.Background(), []string{"status", "-o", "json", paused.Monitor, running.Monitor, stopped.Monitor}, streams); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	recs := jsonRecords(t, out.String())
	got := []string{}
	for _, r := range recs {
		got = append(got, r["vm"].(string)+" "+r["status"].(string)+" "+str(r["qemu"]))
		if (r["status"] == "running") != (r["running"] == true) {
			t.Errorf("running disagrees with status: %v", r)
		}
	}
	want := []string{"vm-held prelaunch 7.2", "vm-run running 7.2", "vm-stop paused 7.2"}
	if len(got) != 3 {
		t.Fatalf("records %v", got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("record %d: %q, want %q...", i, got[i], want[i])
		}
	}

	// The pretty form.
	streams, out, errOut = testStreams("")
	streams.OutTTY = true
	if code := run(context.Background(), []string{"status", paused.Monitor, "--color", "never"}, streams); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if f := strings.Fields(out.String()); len(f) != 5 || f[0] != "vm-held" || f[1] != "QEMU" || f[3] != "prelaunch" || f[4] != paused.Monitor {
		t.Errorf("pretty line %q", out)
	}
}

// Follow-ups name their cause in pretty output, and in json only with
// --annotate; a cause filtered out of the output still explains.
func TestCausesInOutput(t *testing.T) {
	guest := recordingPath("guest.qmp")
	streams, out, errOut := testStreams("")
	if code := run(context.Background(), []string{"replay", guest, "-o", "pretty", "--color", "never", "-e", "STOP"}, streams); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "STOP (after watchdog expiry)") || !strings.Contains(lines[1], "STOP (after write error on iodisk)") {
		t.Errorf("pretty:\n%s", out)
	}

	plain, _, _ := testStreams("")
	run(context.Background(), []string{"replay", guest, "-o", "json"}, plain)
	annotated, _, _ := testStreams("")
	run(context.Background(), []string{"replay", guest, "-o", "json", "--annotate"}, annotated)
	p := strings.Split(plain.Out.(*bytes.Buffer).String(), "\n")
	a := strings.Split(annotated.Out.(*bytes.Buffer).String(), "\n")
	if len(p) != len(a) || len(p) < 10 {
		t.Fatalf("%d plain lines, %d annotated", len(p), len(a))
	}
	var causes []string
	for i := range p {
		if strings.Contains(p[i], `"cause"`) {
			t.Errorf("plain json has a cause: %s", p[i])
		}
		if p[i] == a[i] {
			continue
		}
		if a[i] != strings.TrimSuffix(p[i], "}")+`,"cause":`+strings.SplitN(a[i], `,"cause":`, 2)[1] {
			t.Errorf("annotated line is not the plain line plus cause:\n%s\n%s", p[i], a[i])
		}
		causes = append(causes, strings.SplitN(a[i], `,"cause":`, 2)[1])
	}
	if want := `"watchdog expiry"} "write error on iodisk"}`; strings.Join(causes, " ") != want {
		t.Errorf("causes %s, want %s", strings.Join(causes, " "), want)
	}
}
