package config

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/nearest"
)

// A config file's keys are checked against every command's flags: a typo
// (outptu:) would otherwise be silently ignored.

// UnknownKeys lists the keys that no command takes, each with the file
// and the nearest known key.
func (cf *File) UnknownKeys(root *cobra.Command) []string {
	top := map[string]bool{pipeOutputKey: true}
	sections := map[string]map[string]bool{}
	for _, c := range cmdutil.ConfigCommands(root) {
		keys := map[string]bool{pipeOutputKey: true}
		c.Flags().VisitAll(func(f *pflag.Flag) { keys[f.Name], top[f.Name] = true, true })
		// Keys a command reads from the file that are not flags (serve's
		// list of sources).
		for _, k := range strings.Split(c.Annotations[cmdutil.ConfigKeysKey], ",") {
			if k != "" {
				keys[k], top[k] = true, true
			}
		}
		root.PersistentFlags().VisitAll(func(f *pflag.Flag) { keys[f.Name], top[f.Name] = true, true })
		sections[c.Name()] = keys
	}
	var warns []string
	for _, k := range sortedKeys(cf.settings) {
		if sub, ok := cf.settings[k].(map[string]any); ok {
			keys, isCmd := sections[k]
			if !isCmd {
				warns = append(warns, unknownKey(cf.Path, k, setKeys(sections)))
				continue
			}
			for _, sk := range sortedKeys(sub) {
				if !keys[sk] {
					warns = append(warns, unknownKey(cf.Path, k+"."+sk, keys))
				}
			}
			continue
		}
		if !top[k] {
			warns = append(warns, unknownKey(cf.Path, k, top))
		}
	}
	return warns
}

func unknownKey(file, key string, known map[string]bool) string {
	last := key[strings.LastIndexByte(key, '.')+1:]
	msg := fmt.Sprintf("config %s: unknown key %q", file, key)
	if n := nearest.Typo(last, sortedKeys(known)); n != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", n)
	}
	return msg
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func setKeys[V any](m map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}
