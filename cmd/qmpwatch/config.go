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

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
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
		var pe viper.ConfigParseError
		missing := errors.As(err, &nf) || errors.Is(err, os.ErrNotExist)
		if !missing && !errors.As(err, &pe) {
			// It is there but cannot be read (its mode, a folder): not a
			// mistake on the command line, and not to be ignored.
			return nil, exitcode.With(exitcode.Error, fmt.Errorf("config %s: %w", file, err))
		}
		if explicit || !missing {
			return nil, exitcode.With(exitcode.Usage, fmt.Errorf("config %s: %w", file, err))
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
		return exitcode.With(exitcode.Usage, err)
	}
	a.sources = src
	for _, w := range cf.unknownKeys(cmd.Root()) {
		fmt.Fprintf(a.streams.Notices(), "qmpwatch: warning: %s\n", cmdutil.SafeLines(w))
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
		if _, isOutput := f.Value.(*cmdutil.OutputValue); err != nil && isOutput && !strings.Contains(src.Detail, ".") {
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
