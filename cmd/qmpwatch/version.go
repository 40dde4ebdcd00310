package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Set at build time by the Makefile: -ldflags "-X main.version=... -X main.commit=...".
var (
	version = "dev"
	commit  = ""
)

func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print qmpwatch's version, commit and Go version",
		Example: "  qmpwatch version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c := commit
			if c == "" {
				c = vcsRevision()
			}
			_, err := fmt.Fprintf(a.streams.Out, "qmpwatch %s (commit %s, %s)\n", version, c, runtime.Version())
			return err
		},
	}
}

// vcsRevision is the commit the Go toolchain stamped, for plain go builds.
func vcsRevision() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return "unknown"
}
