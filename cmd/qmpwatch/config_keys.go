package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// A config file's keys are checked against every command's flags: a typo
// (outptu:) would otherwise be silently ignored.

// configKeysAnnotation lists, comma-separated, the config keys a command
// reads that are not flags.
const configKeysAnnotation = "qmpwatch/config-keys"

// unknownKeys lists the keys that no command takes, each with the file
// and the nearest known key.
func (cf *configFile) unknownKeys(root *cobra.Command) []string {
	top := map[string]bool{pipeOutputKey: true}
	sections := map[string]map[string]bool{}
	for _, c := range configCommands(root) {
		keys := map[string]bool{pipeOutputKey: true}
		c.Flags().VisitAll(func(f *pflag.Flag) { keys[f.Name], top[f.Name] = true, true })
		// Keys a command reads from the file that are not flags (serve's
		// list of sources).
		for _, k := range strings.Split(c.Annotations[configKeysAnnotation], ",") {
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
				warns = append(warns, unknownKey(cf.path, k, setKeys(sections)))
				continue
			}
			for _, sk := range sortedKeys(sub) {
				if !keys[sk] {
					warns = append(warns, unknownKey(cf.path, k+"."+sk, keys))
				}
			}
			continue
		}
		if !top[k] {
			warns = append(warns, unknownKey(cf.path, k, top))
		}
	}
	return warns
}

// configCommands are the commands whose flags a config file may set.
func configCommands(root *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	for _, c := range root.Commands() {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" || c.Name() == "config" {
			continue
		}
		out = append(out, c)
	}
	return out
}

func unknownKey(file, key string, known map[string]bool) string {
	last := key[strings.LastIndexByte(key, '.')+1:]
	msg := fmt.Sprintf("config %s: unknown key %q", file, key)
	if n := nearest(last, known); n != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", n)
	}
	return msg
}

// nearest is the known key closest to key by edit distance, when close
// enough to be a typo.
func nearest(key string, known map[string]bool) string {
	best, bestD := "", 1<<30
	for _, k := range sortedKeys(known) {
		if d := editDistance(key, k); d < bestD {
			best, bestD = k, d
		}
	}
	if bestD > 2+len(key)/4 {
		return ""
	}
	return best
}

// editDistance is the Damerau-Levenshtein distance (with adjacent swaps:
// outptu is one edit from output).
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
