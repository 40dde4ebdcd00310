package complete

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// `completion bash` writes the fallback first, then cobra's own script.
func TestStandaloneBash(t *testing.T) {
	root := &cobra.Command{Use: "qmpwatch"}
	root.AddCommand(&cobra.Command{Use: "watch", Run: func(*cobra.Command, []string) {}})
	var out bytes.Buffer
	root.SetOut(&out) // before the completion command, which takes its writer when made
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			StandaloneBash(c)
		}
	}
	root.SetArgs([]string{"completion", "bash"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.HasPrefix(s, bashFallback) {
		t.Errorf("the script does not begin with the fallback:\n%.300s", s)
	}
	if !strings.Contains(s[len(bashFallback):], "__start_qmpwatch") {
		t.Errorf("cobra's script is missing after the fallback:\n%.300s", s[len(bashFallback):])
	}
}
