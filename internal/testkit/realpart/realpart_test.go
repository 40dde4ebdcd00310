package realpart

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeT records how Missing ended a test.
type fakeT struct {
	name          string
	failed, skips string
}

func (f *fakeT) Helper()                        {}
func (f *fakeT) Name() string                   { return f.name }
func (f *fakeT) Fatalf(format string, a ...any) { f.failed = fmt.Sprintf(format, a...) }
func (f *fakeT) Skipf(format string, a ...any)  { f.skips = fmt.Sprintf(format, a...) }

func TestMissing(t *testing.T) {
	notFound := &exec.Error{Name: "libvirtd", Err: exec.ErrNotFound}
	for _, tc := range []struct {
		ci         string
		wantFail   bool
		wantRecord string
	}{
		{ci: "true", wantFail: true},
		{ci: "", wantRecord: "libvirtd\tTestA\tnot installed\n"},
		{ci: "false", wantRecord: "libvirtd\tTestA\tnot installed\n"},
	} {
		skips := filepath.Join(t.TempDir(), "skips")
		t.Setenv("CI", tc.ci)
		t.Setenv(SkipsEnv, skips)
		ft := &fakeT{name: "TestA"}
		Missing(ft, "libvirtd", notFound)
		if (ft.failed != "") != tc.wantFail || (ft.skips != "") == tc.wantFail {
			t.Errorf("CI=%q: failed %q, skipped %q", tc.ci, ft.failed, ft.skips)
		}
		got, _ := os.ReadFile(skips)
		if string(got) != tc.wantRecord {
			t.Errorf("CI=%q: recorded %q, want %q", tc.ci, got, tc.wantRecord)
		}
	}
}

func TestSummary(t *testing.T) {
	in := strings.Join([]string{
		"nats-server\tTestX\tnot installed",
		"libvirtd\tTestA\tnot installed",
		"libvirtd\tTestB\tnot installed",
		"libvirtd\tTestB\tnot installed", // the same test twice (-count): once
		"libvirtd\tTestC\tneeds root",
		"garbage",
	}, "\n")
	got := Summary(strings.NewReader(in))
	want := []string{
		"skipped: 3 tests need libvirtd (not installed; needs root)",
		"skipped: 1 test needs nats-server (not installed)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
