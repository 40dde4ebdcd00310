package pipeline

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/when"
)

// Hints for flags whose habits come from other tools: -f is "follow" in
// tail, docker and kubectl, and --until a time in journalctl and docker.

// filterHint adds a hint to a -f expression that failed to compile when
// the expression is an existing file or looks like a path.
func filterHint(expr string, err error) error {
	if !LooksLikePath(expr) {
		return err
	}
	return fmt.Errorf("%w\n-f takes a jq filter; to follow a file use -F (replay -F FILE)", err)
}

// LooksLikePath says whether a -f expression is rather a file: an existing
// file, or a word with a slash or a file extension and nothing jq would
// need (no spaces, no operators).
func LooksLikePath(s string) bool {
	if fi, err := os.Stat(s); err == nil && !fi.IsDir() {
		return true
	}
	return pathLike.MatchString(s)
}

var pathLike = regexp.MustCompile(`^(~|\.{1,2})?/?[A-Za-z0-9_.+-]+(/[A-Za-z0-9_.+-]+)*\.(log|gz|json|jsonl|qmp|txt)$|^\.{0,2}/[A-Za-z0-9_./+-]+$`)

// untilAsTime refuses an --until argument that reads as a time or a
// duration: it is an event name pattern, and would otherwise wait for an
// event called 2M.
func untilAsTime(s string) error {
	if !looksLikeTime(s) {
		return nil
	}
	return exitcode.Usagef("--until takes an event name pattern (--until SHUTDOWN), and %q looks like a time: "+
		"for how long to wait use --timeout DURATION with --count or --until; for a time window of logs use replay --since/--before TIME", s)
}

// looksLikeTime: a Go duration (2m, 1h30m), an RFC 3339 time, a date or a
// clock time.
func looksLikeTime(s string) bool {
	if _, err := time.ParseDuration(s); err == nil {
		return true
	}
	if _, err := when.Parse(s, time.Now()); err == nil {
		return strings.ContainsAny(s, "0123456789")
	}
	return false
}
