// Package config is qmpwatch's config file and QMPWATCH_* variables: they
// fill every flag the command line did not set. Flags stay the one source
// of truth: commands read their options structs, never the config. See
// docs/configuration.md.
//
// Precedence: flag, QMPWATCH_<FLAG>, the command's section of the file
// (watch: {output: pretty}), the file's top level, the default. Two rules
// keep one file usable by every command and by scripts:
//   - output from the file applies only when stdout is a terminal
//     (pipe-output is its counterpart for pipes), so a file never makes
//     `| jq` read pretty text; QMPWATCH_OUTPUT is asked for and applies always;
//   - a top-level output a command has no form for (template on events) is
//     left out for that command.
//
// It also reads the lists of serve's file that are not flags (sources and
// actions), and writes the table of `qmpwatch config`.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
)

// pipeOutputKey is the config key for -o when stdout is not a terminal.
const pipeOutputKey = "pipe-output"

// Source says where a setting's value came from.
type Source struct {
	Kind   string // flag, env, file, default
	Detail string // the variable, or the file and key
	top    bool   // from the file's top level, not the command's section
}

func (s Source) String() string {
	if s.Detail == "" {
		return s.Kind
	}
	return s.Kind + " " + s.Detail
}

// File is a read config file: its name and its settings (keys lower
// case; a command's section is a nested map).
type File struct {
	Path     string // "" when there is no file
	settings map[string]any
}

// Read reads file, or the default file when file is "" (a missing
// default file is no file).
func Read(file string) (*File, error) {
	explicit := file != ""
	if !explicit {
		file = DefaultFile()
	}
	cf := &File{Path: file, settings: map[string]any{}}
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
		cf.Path = ""
		return cf, nil
	}
	cf.settings = v.AllSettings()
	return cf, nil
}

// Apply sets every flag of cmd that the command line did not set, and
// returns where each flag's value came from.
func (cf *File) Apply(cmd *cobra.Command, outTTY bool) (map[string]Source, error) {
	sources := map[string]Source{}
	section := ""
	if cmd != cmd.Root() {
		section = cmd.Name()
	}
	var firstErr error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Name == "help" || f.Name == "version" {
			return
		}
		src, vals, ok := cf.lookup(f, section, outTTY)
		if !ok {
			src = Source{Kind: "default"}
			if f.Changed {
				src = Source{Kind: "flag"}
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
		if _, isOutput := f.Value.(*cmdutil.OutputValue); err != nil && isOutput && src.top {
			// A top-level output this command has no form for.
			sources[f.Name] = Source{Kind: "default"}
			return
		}
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("config value for --%s: %w", f.Name, err)
		}
		sources[f.Name] = src
	})
	return sources, firstErr
}

// lookup finds the value for f that is not on the command line.
func (cf *File) lookup(f *pflag.Flag, section string, outTTY bool) (Source, []string, bool) {
	if f.Changed {
		return Source{Kind: "flag"}, nil, false
	}
	env := "QMPWATCH_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
	if v, ok := os.LookupEnv(env); ok && f.Name != "config" {
		return Source{Kind: "env", Detail: env}, []string{v}, true
	}
	if f.Name == "config" {
		return Source{}, nil, false
	}
	key := f.Name
	if f.Name == "output" && !outTTY {
		key = pipeOutputKey
	}
	if sec, _ := cf.settings[section].(map[string]any); sec != nil {
		if v, ok := sec[key]; ok {
			return Source{Kind: "file", Detail: cf.Path + ": " + section + "." + key}, values(v), true
		}
	}
	if v, ok := cf.settings[key]; ok {
		if _, isSection := v.(map[string]any); !isSection {
			return Source{Kind: "file", Detail: cf.Path + ": " + key, top: true}, values(v), true
		}
	}
	return Source{}, nil, false
}

// values turns a config value into flag values; a YAML list sets a
// repeatable flag (event: [STOP, RESUME]) once per element.
func values(x any) []string {
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

// DefaultFile is $XDG_CONFIG_HOME/qmpwatch/config.yaml, "" when there is
// no home to find it in.
func DefaultFile() string {
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
