package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/action"
	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// tree is a root with one command, watch, whose flags a file may set.
func tree() (root, watch *cobra.Command) {
	root = &cobra.Command{Use: "qmpwatch"}
	root.PersistentFlags().String("config", "", "")
	watch = &cobra.Command{Use: "watch", Run: func(*cobra.Command, []string) {}}
	watch.Flags().String("label", "", "")
	watch.Flags().String("time", "local", "")
	watch.Flags().StringSlice("event", nil, "")
	var out string
	cmdutil.AddOutputFlag(watch.Flags(), &out, "", "pretty", "json")
	root.AddCommand(watch)
	return root, watch
}

func writeFile(t *testing.T, text string) *File {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cf, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return cf
}

// Each flag takes its value from the first of: the command line,
// QMPWATCH_<FLAG>, the command's section, the top level, the default.
func TestApplyPrecedence(t *testing.T) {
	cf := writeFile(t, "label: top\ntime: unix\nevent: [STOP, RESUME]\nwatch: {label: section}\n")
	t.Setenv("QMPWATCH_TIME", "utc")
	_, watch := tree()
	src, err := cf.Apply(watch, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ flag, value, source string }{
		{"label", "section", "file " + cf.Path + ": watch.label"},
		{"time", "utc", "env QMPWATCH_TIME"},
		{"event", "[STOP,RESUME]", "file " + cf.Path + ": event"},
		{"output", "", "default"},
	} {
		if got := watch.Flags().Lookup(c.flag).Value.String(); got != c.value {
			t.Errorf("--%s = %q, want %q", c.flag, got, c.value)
		}
		if got := src[c.flag].String(); got != c.source {
			t.Errorf("--%s from %q, want %q", c.flag, got, c.source)
		}
	}

	_, watch = tree()
	watch.Flags().Set("label", "cli")
	if src, _ := cf.Apply(watch, true); src["label"].String() != "flag" || watch.Flags().Lookup("label").Value.String() != "cli" {
		t.Errorf("the command line lost to the file: %v", src["label"])
	}
}

// The file's output is for a terminal, pipe-output for a pipe; an output
// the command has no form for is an error that names the flag.
func TestApplyOutput(t *testing.T) {
	cf := writeFile(t, "output: pretty\npipe-output: json\n")
	for _, tty := range []bool{true, false} {
		_, watch := tree()
		if _, err := cf.Apply(watch, tty); err != nil {
			t.Fatal(err)
		}
		want := map[bool]string{true: "pretty", false: "json"}[tty]
		if got := watch.Flags().Lookup("output").Value.String(); got != want {
			t.Errorf("tty %v: -o %q, want %q", tty, got, want)
		}
	}
	_, watch := tree()
	if _, err := writeFile(t, "watch: {output: template}\n").Apply(watch, true); err == nil || !strings.Contains(err.Error(), "--output") {
		t.Errorf("a section's output with no form here: %v", err)
	}
	// A top-level output with no form here is left out for this command
	// (one file serves every command): the default stays, said as such.
	_, watch = tree()
	src, err := writeFile(t, "output: template\n").Apply(watch, true)
	if err != nil || src["output"].Kind != "default" || watch.Flags().Lookup("output").Value.String() != "" {
		t.Errorf("a top-level output with no form here: %v, source %v", err, src["output"])
	}
}

func TestUnknownKeys(t *testing.T) {
	root, _ := tree()
	cf := writeFile(t, "lable: x\nwatch: {tmie: utc, label: y}\nwach: {label: z}\nconfig: other.yaml\n")
	got := cf.UnknownKeys(root)
	want := []string{
		`unknown key "lable" (did you mean "label"?)`,
		`unknown key "wach" (did you mean "watch"?)`,
		`unknown key "watch.tmie" (did you mean "time"?)`,
	}
	if len(got) != len(want) {
		t.Fatalf("warnings %q, want %d", got, len(want))
	}
	for i := range want {
		if !strings.HasSuffix(got[i], want[i]) || !strings.HasPrefix(got[i], "config "+cf.Path+": ") {
			t.Errorf("warning %d: %q, want ...%s", i, got[i], want[i])
		}
	}
}

func TestReadMissing(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	if cf, err := Read(""); err != nil || cf.Path != "" {
		t.Errorf("no default file: %+v, %v; want no file and no error", cf, err)
	}
	if _, err := Read(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("a missing --config file was accepted")
	}
}

func TestServeSources(t *testing.T) {
	cf := writeFile(t, "sources: [/run/a.qmp, {address: 'tcp:127.0.0.1:4444', label: db1}]\n")
	got, err := ServeSources(cf.Path)
	want := []source.Labelled{{Address: "/run/a.qmp"}, {Address: "tcp:127.0.0.1:4444", Label: "db1"}}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("sources %+v, %v; want %+v", got, err, want)
	}
	if _, err := ServeSources(writeFile(t, "sources: [{label: x}]\n").Path); err == nil || !strings.Contains(err.Error(), "sources[0] has no address") {
		t.Errorf("a source without address: %v", err)
	}
}

// A typo in an action's keys is refused, not silently an action for every
// event.
func TestServeActionKeys(t *testing.T) {
	for text, want := range map[string]string{
		"actions: [{name: a, evnts: [STOP], exec: [true]}]\n": `actions[0]: unknown key "evnts" (line 1): did you mean "events"?`,
		"actions: [{name: a, webhook: {ulr: 'http://x'}}]\n":  `actions[0].webhook: unknown key "ulr"`,
		"actions: [STOP]\n": `actions[0]: want a mapping of`,
		"actions: [{name: a, exec: [true]}, {name: a, exec: [false]}]\n": `a second action named "a"`,
	} {
		_, err := ServeActions(writeFile(t, text).Path, action.Run{Timeout: time.Second})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want ...%s", text, err, want)
		}
	}
}
