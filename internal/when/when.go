// Package when reads the one form of a point in time that every command
// takes (--since and --before of replay, watch, sessions, jobs on logs or
// the fleet stream): a time, a date, or how long ago. One parser, so that
// a value one command accepts is never refused by another.
package when

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Accepted says what Parse takes; every refusal ends with it.
const Accepted = "want RFC 3339 (2026-11-21T05:47:16Z), a local date-time (2026-11-21 05:47, 2026-11-21 05:47:16), " +
	"a date (2026-11-21), or a duration ago (10m, 1h30m, 1d, 1d12h)"

// layouts are the absolute forms, tried in order; those without a zone
// are local time.
var layouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// Parse reads s as a point in time: RFC 3339, a local date-time
// (YYYY-MM-DD HH:MM[:SS], with a space or a T), a bare date (its midnight,
// local), or a duration counted back from now: a Go duration, optionally
// after a whole number of days (1d, 1d12h; a day is 24 hours).
func Parse(s string, now time.Time) (time.Time, error) {
	if d, ok, err := Ago(s); ok {
		if err != nil {
			return time.Time{}, err
		}
		return now.Add(-d), nil
	}
	for _, l := range layouts {
		if t, err := time.ParseInLocation(l, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time: %s", s, Accepted)
}

// Ago reads s as a duration back from now (a Go duration, or days then a
// Go duration). ok says that s has the form of one; err that it is not
// positive.
func Ago(s string) (d time.Duration, ok bool, err error) {
	d, ok = duration(s)
	if !ok {
		return 0, false, nil
	}
	if d < 0 {
		return 0, true, fmt.Errorf("%q: a duration ago must be positive", s)
	}
	return d, true, nil
}

// duration is time.ParseDuration with a leading count of days.
func duration(s string) (time.Duration, bool) {
	if d, err := time.ParseDuration(s); err == nil {
		return d, true
	}
	days, rest, found := strings.Cut(s, "d")
	if !found || days == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(days, 10, 32)
	if err != nil || n < -36500 || n > 36500 {
		return 0, false
	}
	d := time.Duration(n) * 24 * time.Hour
	if rest == "" {
		return d, true
	}
	r, err := time.ParseDuration(rest)
	if err != nil || r < 0 || strings.HasPrefix(rest, "+") || strings.HasPrefix(rest, "-") {
		return 0, false
	}
	if n < 0 {
		return d - r, true
	}
	return d + r, true
}
