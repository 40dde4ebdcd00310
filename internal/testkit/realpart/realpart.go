// Package realpart decides what a test does when a real part it needs
// (QEMU, libvirtd, nats-server, promtool, tmux) is missing: under CI=true it
// fails; otherwise it skips, and records the skip in the file named by
// QMPWATCH_SKIPS, so that `make test` can say at the end what was not tested
// (Summary) instead of skipping without a word.
package realpart

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
)

// SkipsEnv names the file that skips are recorded in (one line each: part,
// test, reason, tab-separated). Unset, skips are not recorded.
const SkipsEnv = "QMPWATCH_SKIPS"

// TB is the part of testing.TB that Missing uses.
type TB interface {
	Helper()
	Name() string
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
}

// Missing ends t because part cannot be used (err says why): a failure
// under CI=true, else a recorded skip.
func Missing(t TB, part string, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s: %v (CI=true, so this is an error, not a skip)", part, err)
		return
	}
	record(part, t.Name(), Reason(err))
	t.Skipf("%s not available: %v", part, err)
}

// Reason is the short why of a summary line: "not installed" for a program
// not found, else the error's first line.
func Reason(err error) string {
	if errors.Is(err, exec.ErrNotFound) {
		return "not installed"
	}
	r, _, _ := strings.Cut(err.Error(), "\n")
	return strings.NewReplacer("\t", " ").Replace(r)
}

func record(part, test, reason string) {
	path := os.Getenv(SkipsEnv)
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return // the skip itself is still in the test's output
	}
	defer f.Close()
	// One write per line: packages test in parallel processes.
	fmt.Fprintf(f, "%s\t%s\t%s\n", part, test, reason)
}

// Summary reads recorded skips and returns one line per part, most skipped
// first: "skipped: 12 tests need libvirtd (not installed)".
func Summary(r io.Reader) []string {
	type part struct {
		name    string
		tests   map[string]bool
		reasons []string
	}
	parts := map[string]*part{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), "\t", 3)
		if len(f) != 3 {
			continue
		}
		p := parts[f[0]]
		if p == nil {
			p = &part{name: f[0], tests: map[string]bool{}}
			parts[f[0]] = p
		}
		p.tests[f[1]] = true
		if !slices.Contains(p.reasons, f[2]) {
			p.reasons = append(p.reasons, f[2])
		}
	}
	list := make([]*part, 0, len(parts))
	for _, p := range parts {
		list = append(list, p)
	}
	sort.Slice(list, func(i, j int) bool {
		if len(list[i].tests) != len(list[j].tests) {
			return len(list[i].tests) > len(list[j].tests)
		}
		return list[i].name < list[j].name
	})
	var out []string
	for _, p := range list {
		noun := "tests need"
		if len(p.tests) == 1 {
			noun = "test needs"
		}
		out = append(out, fmt.Sprintf("skipped: %d %s %s (%s)", len(p.tests), noun, p.name, strings.Join(p.reasons, "; ")))
	}
	return out
}

// Need returns the path of the program name, or ends t through Missing.
func Need(t TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name, err)
	}
	return p
}
