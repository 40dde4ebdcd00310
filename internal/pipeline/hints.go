package pipeline

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"
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
	return Usagef("--until takes an event name pattern (--until SHUTDOWN), and %q looks like a time: "+
		"for how long to wait use --timeout DURATION with --count or --until; for a time window of logs use replay --since/--before TIME", s)
}

// looksLikeTime: a Go duration (2m, 1h30m), an RFC 3339 time, a date or a
// clock time.
func looksLikeTime(s string) bool {
	if _, err := time.ParseDuration(s); err == nil {
		return true
	}
	if _, err := ParseTimeBound(s, time.Now()); err == nil {
		return strings.ContainsAny(s, "0123456789")
	}
	return false
}

// timeLayouts are the absolute forms of a --since/--before TIME.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// ParseTimeBound reads a --since or --before TIME: RFC 3339, a date-time
// in local time (2026-11-21 05:47:16, 2026-11-21T05:47, 2026-11-21), or a
// duration ago (10m, 1h30m) counted back from now.
func ParseTimeBound(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("%q: a duration ago must be positive", s)
		}
		return now.Add(-d), nil
	}
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time: want RFC 3339 (2026-11-21T05:47:16Z), a date-time (2026-11-21 05:47:16), a date, or a duration ago (10m)", s)
}
