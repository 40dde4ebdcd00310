package complete

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
)

// Register completes flags by name, flags with values by their values,
// and arguments by the command's kind; a command's own completion wins,
// and the command names come from the rule given.
func TestRegister(t *testing.T) {
	root := &cobra.Command{Use: "qmpwatch"}
	var color string
	watch := &cobra.Command{Use: "watch", Annotations: cmdutil.Annotate(cmdutil.ArgsEvent), Run: func(*cobra.Command, []string) {}}
	watch.Flags().StringSlice("event", nil, "")
	watch.Flags().Var(cmdutil.NewEnum(&color, "auto", "auto", "always", "never"), "color", "")
	watch.Flags().String("label", "", "")
	own := func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"mine"}, cobra.ShellCompDirectiveNoFileComp
	}
	_ = watch.RegisterFlagCompletionFunc("label", own)
	config := &cobra.Command{Use: "config", Annotations: cmdutil.Annotate(cmdutil.ArgsCommand), Run: func(*cobra.Command, []string) {}}
	root.AddCommand(watch, config)
	Register(root, func(r *cobra.Command) []*cobra.Command { return []*cobra.Command{watch} })

	complete := func(c *cobra.Command, flag, toComplete string) []string {
		t.Helper()
		fn := c.ValidArgsFunction
		if flag != "" {
			var ok bool
			if fn, ok = c.GetFlagCompletionFunc(flag); !ok {
				t.Fatalf("%s --%s: no completion", c.Name(), flag)
			}
		}
		if fn == nil {
			t.Fatalf("%s: no completion of its arguments", c.Name())
		}
		got, _ := fn(c, nil, toComplete)
		return got
	}
	if got := complete(watch, "color", "a"); !slices.Equal(got, []string{"auto", "always"}) {
		t.Errorf("--color a: %q", got)
	}
	if got := complete(watch, "event", "STOP,RES"); !slices.Contains(got, "STOP,RESUME") {
		t.Errorf("-e STOP,RES: %q", got)
	}
	if got := complete(watch, "label", ""); !slices.Equal(got, []string{"mine"}) {
		t.Errorf("--label, completed by the command itself: %q", got)
	}
	if got := complete(watch, "", "shutd"); !slices.Equal(got, []string{"shutdown"}) {
		t.Errorf("watch shutd: %q", got)
	}
	if got := complete(config, "", "w"); !slices.Equal(got, []string{"watch"}) {
		t.Errorf("config w: %q", got)
	}
	if got := complete(config, "", "c"); len(got) != 0 {
		t.Errorf("config c offers a command the rule leaves out: %q", got)
	}
}

// Event names are offered in the case the user began them in.
func TestEventNamesKeepTheCase(t *testing.T) {
	for prefix, want := range map[string]string{"block_j": "block_job_ready", "BLOCK_J": "BLOCK_JOB_READY", "Block_j": "Block_job_ready"} {
		got := eventNames(prefix)
		if !slices.Contains(got, want) {
			t.Errorf("eventNames(%q) = %q, want %q among them", prefix, got, want)
		}
		for _, n := range got {
			if !strings.HasPrefix(n, prefix) {
				t.Errorf("eventNames(%q) offers %q", prefix, n)
			}
		}
	}
}

// Addresses are sockets, *.qmp files and folders, never hidden entries
// unless asked for, with or without unix:; tcp: offers loopback hosts.
func TestCompleteAddresses(t *testing.T) {
	dir, err := os.MkdirTemp("", "qc") // short: a unix socket's path is limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	l, err := net.Listen("unix", filepath.Join(dir, "vm1.sock"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	for _, name := range []string{"vm2.qmp", "notes.txt", ".hidden.qmp"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	d := dir + "/"
	for _, tt := range []struct {
		toComplete string
		want       []string
	}{
		{d, []string{d + "sub/", d + "vm1.sock", d + "vm2.qmp"}},
		{"unix:" + d + "vm", []string{"unix:" + d + "vm1.sock", "unix:" + d + "vm2.qmp"}},
		{d + ".", []string{d + ".hidden.qmp"}},
		{"tcp:l", []string{"tcp:localhost:"}},
		{"t", []string{"tcp:"}},
	} {
		got, _ := completeAddresses(nil, nil, tt.toComplete)
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%q: got %q, want %q", tt.toComplete, got, tt.want)
		}
	}
}

// Logs are the files replay reads, gzipped or not, and folders.
func TestCompleteLogs(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.log", "b.jsonl.gz", "c.sock", "d.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := completeLogs(nil, nil, dir+"/")
	slices.Sort(got)
	want := []string{dir + "/a.log", dir + "/b.jsonl.gz", dir + "/d.txt"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
