package main

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/fleet"
	"github.com/qmpwatch/qmpwatch/internal/render"
)

func newConfigCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config [COMMAND...]",
		Short: "Show every setting's effective value and where it came from",
		Long: `Show, for each command (or the commands named), every setting with the value
that command would use now and its source: flag, env QMPWATCH_<FLAG>, file
FILE: KEY (the command's section, or the top level), or default.

The output setting depends on stdout: the file's output applies on a terminal,
its pipe-output in a pipe; this command shows the one for a terminal.
See docs/configuration.md.`,
		Example: `  qmpwatch config
  qmpwatch config watch
  QMPWATCH_TIME=utc qmpwatch config replay --config ~/qmpwatch-ci.yaml`,
		Annotations: cmdutil.Annotate(cmdutil.ArgsCommand),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runConfig(a, cmd.Root(), args)
		},
	}
	return cmd
}

func runConfig(a *app, root *cobra.Command, names []string) error {
	cf, err := readConfig(a.configFile)
	if err != nil {
		return exitcode.With(exitcode.Usage, err)
	}
	cmds := configCommands(root)
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
	file := cf.path
	if file == "" {
		file = "(none)"
	}
	rows = append(rows, []string{"config", file, configFileSource(a.configFile)})
	rows = append(rows, []string{"quiet", fmt.Sprint(a.streams.Quiet), a.sources["quiet"].String()})
	for _, c := range cmds {
		// Other commands' flags are set here as their own run would set
		// them; they are never run, so this touches nothing else.
		c.InitDefaultHelpFlag()
		src, err := applyConfig(c, cf, true)
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
			if rows, err = appendActionRows(rows, a.configFile); err != nil {
				return exitcode.With(exitcode.Usage, err)
			}
		}
	}
	out := bufio.NewWriter(a.streams.Out)
	out.Write(render.AppendTable(nil, rows))
	return exitcode.WriteErr(out.Flush())
}

// appendActionRows shows serve's actions, one row each (the file's list,
// read and checked as serve reads it).
func appendActionRows(rows [][]string, file string) ([][]string, error) {
	specs, err := configActionSpecs(file)
	for i, s := range specs {
		rows = append(rows, []string{fmt.Sprintf("serve.actions[%d]", i), render.Safe(s.Name + ": " + s.String()), "file " + file + ": actions"})
	}
	return rows, err
}

func configFileSource(flagValue string) string {
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
