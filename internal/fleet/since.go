package fleet

import (
	"fmt"
	"time"
)

// ParseSince reads --since: a duration back from now ("90s", "1h") or a
// time (RFC 3339, "2026-12-01T10:00:00Z", or a local "2006-01-02 15:04:05").
func ParseSince(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("--since %s: want a positive duration", s)
		}
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q: want a duration (1h, 90s) or a time (2026-12-01T10:00:00Z)", s)
}
