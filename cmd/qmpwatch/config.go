package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// The config file and QMPWATCH_* variables fill every flag the command line
// did not set. Flags stay the one source of truth: commands read their
// options structs, never the config. See docs/configuration.md.
//
// Precedence: flag, QMPWATCH_<FLAG>, the command's section of the file
// (watch: {output: pretty}), the file's top level, the default. Two rules
// keep one file usable by every command and by scripts:
//   - output from the file applies only when stdout is a terminal
//     (pipe-output is its counterpart for pipes), so a file never makes
//     `| jq` read pretty text; QMPWATCH_OUTPUT is asked for and applies always;
//   - a top-level output a command has no form for (template on events) is
//     left out for that command.

// pipeOutputKey is the config key for -o when stdout is not a terminal.
const pipeOutputKey = "pipe-output"

// configSource says where a setting's value came from.
type configSource struct {
	Kind   string // flag, env, file, default
	Detail string // the variable, or the file and key
}

func (s configSource) String() string {
	if s.Detail == "" {
		return s.Kind
	}
	return s.Kind + " " + s.Detail
}

// configFile is a read config file: its name and its settings (keys lower
// case; a command's section is a nested map).
type configFile struct {
	path     string
	settings map[string]any
}

// readConfig reads file, or the default file when file is "" (a missing
// default file is no file).
func readConfig(file string) (*configFile, error) {
	explicit := file != ""
	if !explicit {
		file = defaultConfigFile()
	}
	cf := &configFile{path: file, settings: map[string]any{}}
	if file == "" {
		return cf, nil
	}
	v := viper.New()
	v.SetConfigFile(file)
	if err := v.ReadInConfig(); err != nil {
		var nf viper.ConfigFileNotFoundError
		if explicit || !(errors.As(err, &nf) || errors.Is(err, os.ErrNotExist)) {
			return nil, fmt.Errorf("config %s: %w", file, err)
		}
		cf.path = ""
		return cf, nil
	}
	cf.settings = v.AllSettings()
	return cf, nil
}

// loadConfig is the root's PersistentPreRunE: fill cmd's flags from the
// environment and the file, then warn (once, as this runs once) about keys
// no command knows.
func (a *app) loadConfig(cmd *cobra.Command) error {
	cf, err := readConfig(a.configFile)
	if err != nil {
		return err
	}
	src, err := applyConfig(cmd, cf, a.streams.OutTTY)
	if err != nil {
		return err
	}
	a.sources = src
	for _, w := range cf.unknownKeys(cmd.Root()) {
		fmt.Fprintf(a.streams.notices(), "qmpwatch: warning: %s\n", w)
	}
	return nil
}

// applyConfig sets every flag of cmd that the command line did not set,
// and returns where each flag's value came from.
func applyConfig(cmd *cobra.Command, cf *configFile, outTTY bool) (map[string]configSource, error) {
	sources := map[string]configSource{}
	section := ""
	if cmd != cmd.Root() {
		section = cmd.Name()
	}
	var firstErr error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Name == "help" || f.Name == "version" {
			return
		}
		src, vals, ok := lookupSetting(f, section, cf, outTTY)
		if !ok {
			src = configSource{Kind: "default"}
			if f.Changed {
				src = configSource{Kind: "flag"}
			}
			sources[f.Name] = src
			return
		}
		var err error
		for _, val := range vals {
			if err = cmd.Flags().Set(f.Name, val); err != nil {
				break
			}
		}
		if _, isOutput := f.Value.(*outputValue); err != nil && isOutput && !strings.Contains(src.Detail, ".") {
			// A top-level output this command has no form for.
			sources[f.Name] = configSource{Kind: "default"}
			return
		}
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("config value for --%s: %w", f.Name, err)
		}
		sources[f.Name] = src
	})
	return sources, firstErr
}

// lookupSetting finds the value for f that is not on the command line.
func lookupSetting(f *pflag.Flag, section string, cf *configFile, outTTY bool) (configSource, []string, bool) {
	if f.Changed {
		return configSource{Kind: "flag"}, nil, false
	}
	env := "QMPWATCH_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
	if v, ok := os.LookupEnv(env); ok && f.Name != "config" {
		return configSource{Kind: "env", Detail: env}, []string{v}, true
	}
	if f.Name == "config" {
		return configSource{}, nil, false
	}
	key := f.Name
	if f.Name == "output" && !outTTY {
		key = pipeOutputKey
	}
	if sec, _ := cf.settings[section].(map[string]any); sec != nil {
		if v, ok := sec[key]; ok {
			return configSource{Kind: "file", Detail: cf.path + ": " + section + "." + key}, configValues(v), true
		}
	}
	if v, ok := cf.settings[key]; ok {
		if _, isSection := v.(map[string]any); !isSection {
			return configSource{Kind: "file", Detail: cf.path + ": " + key}, configValues(v), true
		}
	}
	return configSource{}, nil, false
}

// configValues turns a config value into flag values; a YAML list sets a
// repeatable flag (event: [STOP, RESUME]) once per element.
func configValues(x any) []string {
	switch t := x.(type) {
	case []any:
		out := make([]string, len(t))
		for i, e := range t {
			out[i] = fmt.Sprint(e)
		}
		return out
	case []string:
		return t
	}
	return []string{fmt.Sprint(x)}
}

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

func defaultConfigFile() string {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "qmpwatch", "config.yaml")
}
