package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDocs runs every ```console example of README.md and docs/*.md and fails
// when what qmpwatch prints differs from what the example shows.
//
// How an example is read:
//   - a line starting with "$ " is a command (a trailing backslash continues
//     it on the next line); the lines after it, up to the next command, are
//     what it prints, stdout and stderr interleaved as on a terminal;
//   - blank lines at the end of a command's output are not part of it;
//   - an example marked with `<!-- excerpt -->` on the line before its fence
//     shows only some lines: each shown line must appear, in order, and a
//     line "..." stands for lines left out;
//   - a command ending in "&" runs in the background; its output is not
//     checked, and the next command waits for the sockets it names;
//   - `$ cat FILE`, where FILE does not exist, creates FILE from the lines
//     shown after it (so an example can show its input).
//
// How it runs: each command runs under a pseudo-terminal (script(1), from
// util-linux), as a user at a terminal would run it, with bash, NO_COLOR=1,
// TZ=UTC, and qmpwatch on PATH, in a temporary folder holding testdata/.
// Addresses map to real files there:
//   - /tmp/X and /run/X are $T/tmp/X and $T/run/X, and are shown back as
//     /tmp/X and /run/X; TMPDIR is $T/tmp;
//   - the monitors in runMonitors below: /run/vm1.qmp is a `qmpwatch
//     simulate` of testdata/recordings/vnc.qmp (a VM named vm-vnc), started
//     before the example when one of its commands names it.
//
// What is normalised, in both the shown and the printed text: the random
// part of demo's temporary folder, the length of a
// reconnect gap, the time of qmpwatch's own QMPWATCH_* marker events, and, in the output of `demo` (which stamps events with the
// time it sends them), every time. The run state in "connected to NAME
// (QEMU V, STATE)" is not: a simulated monitor holds its events until the
// client has asked query-status, so the state at connect is always the one
// before the recording.
func TestDocs(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("script(1) from util-linux is needed to run the examples on a terminal")
	}
	bin := builtBinary(t)
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append([]string{"../../README.md"}, files...)
	n := 0
	for _, f := range files {
		for _, ex := range consoleExamples(t, f) {
			n++
			t.Run(ex.name, func(t *testing.T) { runExample(t, bin, ex) })
		}
	}
	if n == 0 {
		t.Fatal("no console examples found")
	}
}

// runMonitors are the monitors an example may watch, and what serves them.
var runMonitors = map[string][]string{
	"/run/vm1.qmp": {"testdata/recordings/vnc.qmp"},
}

type docCommand struct {
	line string   // the command as shown, continuation lines joined
	want []string // the lines shown after it
}

type docExample struct {
	name     string // FILE:LINE
	excerpt  bool
	commands []docCommand
}

// consoleExamples returns the ```console blocks of a markdown file.
func consoleExamples(t *testing.T, path string) []docExample {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	var out []docExample
	prev := ""
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "```console" {
			if s := strings.TrimSpace(lines[i]); s != "" {
				prev = s
			}
			continue
		}
		ex := docExample{name: filepath.Base(path) + ":" + strconv.Itoa(i+1), excerpt: prev == "<!-- excerpt -->"}
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			l := lines[i]
			switch {
			case strings.HasPrefix(l, "$ "):
				cmd := strings.TrimPrefix(l, "$ ")
				for strings.HasSuffix(cmd, "\\") && i+1 < len(lines) {
					i++
					cmd += "\n" + lines[i] // bash reads the backslash-newline as one line
				}
				ex.commands = append(ex.commands, docCommand{line: cmd})
			case len(ex.commands) == 0:
				t.Fatalf("%s: output before any command: %q", ex.name, l)
			default:
				c := &ex.commands[len(ex.commands)-1]
				c.want = append(c.want, l)
			}
		}
		for i := range ex.commands {
			ex.commands[i].want = trimBlankEnd(ex.commands[i].want)
		}
		out = append(out, ex)
		prev = "```" // a mark before the next block must be its own
	}
	return out
}

func runExample(t *testing.T, bin string, ex docExample) {
	dir := t.TempDir()
	for _, d := range []string{"tmp", "run"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	testdata, err := filepath.Abs("../../testdata")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(testdata, filepath.Join(dir, "testdata")); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"PATH=" + filepath.Dir(bin) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, ".config"),
		"TMPDIR=" + filepath.Join(dir, "tmp"), "TZ=UTC", "NO_COLOR=1", "SHELL=/bin/bash", "TERM=dumb",
	}
	mapPaths := func(s string) string {
		s = strings.ReplaceAll(s, "/tmp/", dir+"/tmp/")
		return strings.ReplaceAll(s, "/run/", dir+"/run/")
	}
	unmapPaths := func(s string) string {
		s = strings.ReplaceAll(s, dir+"/tmp/", "/tmp/")
		return strings.ReplaceAll(s, dir+"/run/", "/run/")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// The monitors the example watches.
	for addr, simArgs := range runMonitors {
		used := false
		for _, c := range ex.commands {
			used = used || strings.Contains(c.line, addr)
		}
		if !used {
			continue
		}
		args := append([]string{"simulate", mapPaths(addr)}, simArgs...)
		startBackground(t, ctx, dir, env, bin, args, mapPaths(addr))
	}

	var got, want []string
	for _, c := range ex.commands {
		line := mapPaths(c.line)
		if strings.HasSuffix(strings.TrimSpace(line), "&") {
			startShell(t, ctx, dir, env, strings.TrimSuffix(strings.TrimSpace(line), "&"))
			for _, p := range regexp.MustCompile(`\S+\.qmp`).FindAllString(line, -1) {
				if strings.HasPrefix(p, dir) && !strings.Contains(p, "testdata/") {
					waitForPath(t, p)
				}
			}
			continue
		}
		if f, ok := strings.CutPrefix(c.line, "cat "); ok && !strings.ContainsAny(f, " |<>") {
			if _, err := os.Stat(filepath.Join(dir, f)); os.IsNotExist(err) {
				if err := os.WriteFile(filepath.Join(dir, f), []byte(strings.Join(c.want, "\n")+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
		}
		cmd := exec.CommandContext(ctx, "script", "-qec", line, "/dev/null")
		cmd.Dir, cmd.Env = dir, env
		cmd.Stdin = strings.NewReader("")
		out, _ := cmd.CombinedOutput() // the exit code is not part of the example
		text := unmapPaths(strings.ReplaceAll(string(out), "\r\n", "\n"))
		printed := trimBlankEnd(strings.Split(strings.TrimSuffix(text, "\n"), "\n"))
		demo := strings.Contains(c.line, "qmpwatch demo")
		for _, l := range printed {
			got = append(got, normaliseDocLine(l, demo))
		}
		for _, l := range c.want {
			want = append(want, normaliseDocLine(l, demo))
		}
	}
	if ex.excerpt {
		if w := excerptMissing(want, got); w != "" {
			t.Errorf("%s: shown line not printed (in this order):\n%s\n--- printed:\n%s", ex.name, w, strings.Join(got, "\n"))
		}
		return
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s: the example differs from what qmpwatch prints (mark it <!-- excerpt --> if it shows only some lines)\n--- shown:\n%s\n--- printed:\n%s",
			ex.name, strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
}

// excerptMissing returns the first shown line that is not printed after
// the lines before it ("..." stands for lines left out), or "" when every
// shown line is printed in order.
func excerptMissing(want, got []string) string {
	j := 0
	for _, w := range want {
		if w == "..." {
			continue
		}
		for j < len(got) && got[j] != w {
			j++
		}
		if j == len(got) {
			return w
		}
		j++
	}
	return ""
}

var (
	demoFolder = regexp.MustCompile(`/qmpwatch-demo-[0-9]+/`)
	gapSeconds = regexp.MustCompile(`after [0-9.]+m?s without|"gap":[0-9.]+`)
	dateTime   = regexp.MustCompile(`[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z?`)
	epochJSON  = regexp.MustCompile(`"seconds":[0-9]+,"microseconds":[0-9]+`)
	markerTime = regexp.MustCompile(`"seconds":[0-9]+,"microseconds":[0-9]+\},"event":"QMPWATCH_`)
)

// normaliseDocLine blanks what may differ between runs (see TestDocs).
func normaliseDocLine(l string, demo bool) string {
	l = strings.TrimRight(l, " \t")
	l = demoFolder.ReplaceAllString(l, "/qmpwatch-demo-N/")
	l = gapSeconds.ReplaceAllStringFunc(l, func(s string) string {
		if strings.HasPrefix(s, "after") {
			return "after GAP without"
		}
		return `"gap":GAP`
	})
	l = markerTime.ReplaceAllString(l, `"seconds":S,"microseconds":U},"event":"QMPWATCH_`)
	if demo {
		l = dateTime.ReplaceAllString(l, "TIME")
		l = epochJSON.ReplaceAllString(l, `"seconds":S,"microseconds":U`)
	}
	return l
}

// startBackground starts qmpwatch ARGS for the length of the test and waits
// for the socket at path.
func startBackground(t *testing.T, ctx context.Context, dir string, env []string, bin string, args []string, path string) {
	t.Helper()
	startGroup(t, exec.CommandContext(ctx, bin, args...), dir, env, "")
	waitForPath(t, path)
}

func waitForPath(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not appear within 60s", path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func trimBlankEnd(lines []string) []string {
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}
