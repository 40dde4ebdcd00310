package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
)

// Set at build time by the Makefile: -ldflags "-X main.version=... -X main.commit=...".
// A plain `go build` or `go install` leaves them empty, and versionText reads
// what the Go toolchain stamped into the binary instead.
var (
	version = ""
	commit  = ""
)

func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:         "version",
		Annotations: cmdutil.Annotate(cmdutil.ArgsNone),
		Short:       "Print qmpwatch's version, commit and Go version (also qmpwatch --version)",
		Example:     "  qmpwatch version\n  qmpwatch --version",
		Args:        cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(a.streams.Out, versionText())
			return exitcode.WriteErr(err)
		},
	}
}

// versionText is the one line both `qmpwatch version` and `--version` print.
func versionText() string {
	bi, _ := debug.ReadBuildInfo()
	v, c := buildVersion(bi, version, commit)
	return fmt.Sprintf("qmpwatch %s (commit %s, %s)", v, c, runtime.Version())
}

// buildVersion prefers the -ldflags values, then the module version that
// `go install module@version` records, then "dev"; and the commit from
// -ldflags, then the vcs.revision a build inside a clone records (with
// "-dirty" for uncommitted changes), then "unknown".
func buildVersion(bi *debug.BuildInfo, ldVersion, ldCommit string) (v, c string) {
	v, c = ldVersion, ldCommit
	var rev string
	dirty := false
	if bi != nil {
		if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "dev"
	}
	if c == "" {
		c = rev
		if len(c) > 12 {
			c = c[:12]
		}
		if c != "" && dirty {
			c += "-dirty"
		}
	}
	if c == "" {
		c = "unknown"
	}
	return v, c
}
