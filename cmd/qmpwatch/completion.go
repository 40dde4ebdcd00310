package main

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/filter"
	"github.com/qmpwatch/qmpwatch/internal/libvirt"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// Shell completion, in one registry: flags are completed by their name
// wherever they appear (flagCompletions), flags with a fixed set of values
// by those values (enumValue, cmdutil.OutputValue), and positional arguments by
// the kind a command declares in its annotations (argsKind). A new command
// that reuses a flag name, or declares its arguments' kind, is completed
// with no more code: registerCompletions walks the whole tree.

type completeFunc = func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective)

// flagCompletions completes flags by name, on every command that has them.
var flagCompletions = map[string]completeFunc{
	"event":          completeEventList,
	"exclude":        completeEventList,
	"until":          completeEventName,
	"where":          completeWhere,
	"dir":            completeDirs,
	"live":           completeAddresses,
	"config":         completeExt("yaml", "yml"),
	"template-file":  completeFiles,
	"record":         completeFiles,
	"label":          completeNothing,
	"filter":         completeNothing,
	"jq":             completeNothing,
	"template":       completeNothing,
	"dir-glob":       completeNothing,
	"exclude-socket": completeNothing,
	"domain":         completeDomains,
}

// argCompletions completes positional arguments by the command's kind.
var argCompletions = map[string]completeFunc{
	cmdutil.ArgsAddress: completeAddresses,
	cmdutil.ArgsLog:     completeLogs,
	cmdutil.ArgsEvent: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return completeEventName(cmd, args, toComplete)
	},
	cmdutil.ArgsNone: completeNothing,
	cmdutil.ArgsTracker: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if replay, _ := cmd.Flags().GetBool("replay"); replay {
			return completeLogs(cmd, args, toComplete)
		}
		return completeAddresses(cmd, args, toComplete)
	},
	cmdutil.ArgsCommand: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, c := range cmdutil.ConfigCommands(cmd.Root()) {
			if strings.HasPrefix(c.Name(), toComplete) {
				out = append(out, c.Name())
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	},
}

// valuesFlag is a flag with a fixed set of values.
type valuesFlag interface{ Values() []string }

// registerCompletions wires the registry into every command of the tree.
func registerCompletions(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		each := func(f *pflag.Flag) {
			if _, ok := c.GetFlagCompletionFunc(f.Name); ok {
				return
			}
			fn := flagCompletions[f.Name]
			if v, ok := f.Value.(valuesFlag); ok {
				fn = completeValues(v.Values())
			}
			if fn != nil {
				_ = c.RegisterFlagCompletionFunc(f.Name, fn)
			}
		}
		c.LocalNonPersistentFlags().VisitAll(each)
		c.PersistentFlags().VisitAll(each)
		if fn, ok := argCompletions[c.Annotations[cmdutil.ArgsKey]]; ok && c.ValidArgsFunction == nil {
			c.ValidArgsFunction = fn
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

func completeValues(vals []string) completeFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, v := range vals {
			if strings.HasPrefix(v, toComplete) {
				out = append(out, v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

func completeNothing(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveNoFileComp
}

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

func completeDirs(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveFilterDirs
}

func completeFiles(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveDefault
}

func completeExt(exts ...string) completeFunc {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return exts, cobra.ShellCompDirectiveFilterFileExt
	}
}

// completeAddresses lists, in the folder toComplete names, the unix
// sockets and *.qmp files, and the folders to go into (no space after
// them), also after a `unix:` prefix. After `tcp:` it offers the loopback
// hosts; ports are not guessed.
func completeAddresses(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	const dirs = cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	if rest, ok := strings.CutPrefix(toComplete, "tcp:"); ok {
		var out []string
		for _, h := range []string{"127.0.0.1:", "[::1]:", "localhost:"} {
			if strings.HasPrefix(h, rest) {
				out = append(out, "tcp:"+h)
			}
		}
		return out, dirs
	}
	prefix, path := "", toComplete
	if rest, ok := strings.CutPrefix(toComplete, "unix:"); ok {
		prefix, path = "unix:", rest
	}
	out := listDir(path, func(name string, fi os.FileInfo) bool {
		return fi.Mode()&os.ModeSocket != 0 || strings.HasSuffix(name, ".qmp")
	})
	for i := range out {
		out[i] = prefix + out[i]
	}
	if prefix == "" && toComplete != "" {
		for _, p := range []string{"unix:", "tcp:"} {
			if strings.HasPrefix(p, toComplete) {
				out = append(out, p)
			}
		}
	}
	return out, dirs
}

// completeLogs lists the files replay reads (*.log, *.json, *.jsonl, *.qmp,
// *.txt and their .gz) and folders.
func completeLogs(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	return listDir(toComplete, func(name string, fi os.FileInfo) bool {
		n := strings.TrimSuffix(name, ".gz")
		for _, ext := range []string{".log", ".json", ".jsonl", ".qmp", ".txt"} {
			if strings.HasSuffix(n, ext) {
				return fi.Mode().IsRegular()
			}
		}
		return false
	}), cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// listDir returns the entries of toComplete's folder that start with its
// last element and that keep accepts, plus the folders (with a slash).
// A single file match gets a trailing space from the shell's point of
// view, so it is returned as is.
func listDir(toComplete string, keep func(string, os.FileInfo) bool) []string {
	dir, prefix := filepath.Split(toComplete)
	read := dir
	if read == "" {
		read = "."
	}
	entries, err := os.ReadDir(read)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) || (strings.HasPrefix(name, ".") && !strings.HasPrefix(prefix, ".")) {
			continue
		}
		fi, err := os.Stat(filepath.Join(read, name))
		if err != nil {
			continue
		}
		switch {
		case fi.IsDir():
			out = append(out, dir+name+"/")
		case keep(name, fi):
			out = append(out, dir+name)
		}
	}
	return out
}

// completeDomains offers the names of the domains of the libvirt URI on
// the command line (else the default one) for --domain: one read-only
// listing with a short time limit, so that a libvirtd that is not there
// only means no suggestions.
func completeDomains(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	uri := "libvirt"
	for _, a := range args {
		if source.IsLibvirt(a) {
			uri = a
			break
		}
	}
	u, err := libvirt.ParseURI(uri)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := libvirt.Dial(ctx, u, libvirt.Options{DialTimeout: 2 * time.Second})
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer c.Close()
	doms, err := c.Domains()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []string
	for _, d := range doms {
		if strings.HasPrefix(d.Name, toComplete) {
			names = append(names, d.Name)
		}
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}
