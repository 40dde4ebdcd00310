// Package version is qmpwatch's build information: the version and commit
// that `qmpwatch version`, `--version` and the --otlp records show.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set at build time by the Makefile: -ldflags "-X
// github.com/qmpwatch/qmpwatch/internal/version.version=... -X ...version.commit=...".
// A plain `go build` or `go install` leaves them empty, and Get reads what
// the Go toolchain stamped into the binary instead.
var (
	version = ""
	commit  = ""
)

// Get is the version and the commit of this binary.
func Get() (v, c string) {
	bi, _ := debug.ReadBuildInfo()
	return build(bi, version, commit)
}

// Text is the one line both `qmpwatch version` and `--version` print.
func Text() string {
	v, c := Get()
	return fmt.Sprintf("qmpwatch %s (commit %s, %s)", v, c, runtime.Version())
}

// build prefers the -ldflags values, then the module version that
// `go install module@version` records, then "dev"; and the commit from
// -ldflags, then the vcs.revision a build inside a clone records (with
// "-dirty" for uncommitted changes), then "unknown".
func build(bi *debug.BuildInfo, ldVersion, ldCommit string) (v, c string) {
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
