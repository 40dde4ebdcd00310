package complete

import (
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/filter"
)

// eventNames are the catalog's names that start with prefix (any case),
// spelt as the user began them: the shells keep only the candidates that
// start with what was typed, case and all, and the flags and `events` take
// a name in any case. So `-e block_j` offers block_job_ready.
func eventNames(prefix string) []string {
	var out []string
	up := strings.ToUpper(prefix)
	lower := prefix != up
	for _, e := range decode.Builtin().Events() {
		if !strings.HasPrefix(e.Name, up) {
			continue
		}
		if lower {
			out = append(out, prefix+strings.ToLower(e.Name[len(prefix):]))
		} else {
			out = append(out, e.Name)
		}
	}
	return out
}

func completeEventName(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	return eventNames(toComplete), cobra.ShellCompDirectiveNoFileComp
}

// completeEventList completes the last name of a comma-separated list
// (-e STOP,RES<tab>).
func completeEventList(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	head, last := "", toComplete
	if i := strings.LastIndexByte(toComplete, ','); i >= 0 {
		head, last = toComplete[:i+1], toComplete[i+1:]
	}
	names := eventNames(last)
	for i := range names {
		names[i] = head + names[i]
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

// completeWhere completes -w member paths of the events given with -e
// (globs included), or of every event when there is no -e.
func completeWhere(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	globs, _ := cmd.Flags().GetStringSlice("event")
	match, err := filter.CompileGlobs(globs)
	seen := map[string]bool{}
	for _, e := range decode.Builtin().Events() {
		if len(globs) > 0 && (err != nil || !match.Match(e.Name)) {
			continue
		}
		for _, p := range e.Paths() {
			p = strings.TrimPrefix(p, "data.")
			if !strings.Contains(p, "[]") && strings.HasPrefix(p, toComplete) {
				seen[p] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}
