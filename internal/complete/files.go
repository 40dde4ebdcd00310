package complete

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

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
