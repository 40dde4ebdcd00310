package config

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/fleet"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/safe"
)

// Show writes the table of `qmpwatch config`: for each command of root
// (or each of names), every setting, its value and its source.
func (s *State) Show(root *cobra.Command, names []string, streams *iostreams.Streams) error {
	cf, err := Read(s.Path)
	if err != nil {
		return exitcode.With(exitcode.Usage, err)
	}
	cmds := cmdutil.ConfigCommands(root)
	if len(names) > 0 {
		cmds = cmds[:0]
		for _, n := range names {
			c, _, err := root.Find([]string{n})
			if err != nil || c == root {
				return exitcode.Usagef("config: unknown command %q", n)
			}
			cmds = append(cmds, c)
		}
	}
	rows := [][]string{{"SETTING", "VALUE", "SOURCE"}}
	file := cf.Path
	if file == "" {
		file = "(none)"
	}
	rows = append(rows, []string{"config", file, fileSource(s.Path)})
	rows = append(rows, []string{"quiet", fmt.Sprint(streams.Quiet), s.Sources["quiet"].String()})
	for _, c := range cmds {
		// Other commands' flags are set here as their own run would set
		// them; they are never run, so this touches nothing else.
		c.InitDefaultHelpFlag()
		src, err := cf.Apply(c, true)
		if err != nil {
			return exitcode.With(exitcode.Usage, err)
		}
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if f.Name == "help" {
				return
			}
			rows = append(rows, []string{c.Name() + "." + f.Name, showValue(f), src[f.Name].String()})
		})
		if c.Name() == "serve" {
			if rows, err = appendActionRows(rows, s.Path); err != nil {
				return exitcode.With(exitcode.Usage, err)
			}
		}
	}
	out := bufio.NewWriter(streams.Out)
	out.Write(render.AppendTable(nil, rows))
	return exitcode.WriteErr(out.Flush())
}

// appendActionRows shows serve's actions, one row each (the file's list,
// read and checked as serve reads it).
func appendActionRows(rows [][]string, file string) ([][]string, error) {
	specs, err := ServeActionSpecs(file)
	for i, s := range specs {
		rows = append(rows, []string{fmt.Sprintf("serve.actions[%d]", i), safe.String(s.Name + ": " + s.String()), "file " + file + ": actions"})
	}
	return rows, err
}

func fileSource(flagValue string) string {
	if flagValue != "" {
		return "flag"
	}
	return "default ($XDG_CONFIG_HOME/qmpwatch/config.yaml)"
}

// showValue prints a flag's value for the table: lists without brackets,
// an empty value as "-", -o's empty value as what it means.
func showValue(f *pflag.Flag) string {
	if _, ok := f.Value.(*cmdutil.OutputValue); ok && f.Value.String() == "" {
		return "(auto: by terminal or pipe)"
	}
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		if l := sv.GetSlice(); len(l) > 0 {
			return strings.Join(l, ",")
		}
		return "-"
	}
	if s := f.Value.String(); s != "" {
		if fleet.IsURL(s) {
			return fleet.Access{URL: s}.Redacted() // never a password (docs/fleet.md)
		}
		return s
	}
	return "-"
}
