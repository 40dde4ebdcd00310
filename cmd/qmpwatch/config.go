package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// bindConfig fills every flag the command line did not set from, in order,
// QMPWATCH_<FLAG> environment variables and the config file. Flags stay the
// one source of truth: commands read their options structs, never viper.
func bindConfig(cmd *cobra.Command, file string) error {
	v := viper.New()
	v.SetEnvPrefix("QMPWATCH")
	v.SetEnvKeyReplacer(strings.NewReplacer("-", "_"))
	v.AutomaticEnv()
	explicit := file != ""
	if !explicit {
		file = defaultConfigFile()
	}
	if file != "" {
		v.SetConfigFile(file)
		if err := v.ReadInConfig(); err != nil {
			var nf viper.ConfigFileNotFoundError
			if explicit || !(errors.As(err, &nf) || errors.Is(err, os.ErrNotExist)) {
				return fmt.Errorf("config %s: %w", file, err)
			}
		}
	}
	var firstErr error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Changed || f.Name == "config" || f.Name == "help" || !v.IsSet(f.Name) {
			return
		}
		for _, val := range configValues(v.Get(f.Name)) {
			if err := cmd.Flags().Set(f.Name, val); err != nil && firstErr == nil {
				firstErr = fmt.Errorf("config value for --%s: %w", f.Name, err)
			}
		}
	})
	return firstErr
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
