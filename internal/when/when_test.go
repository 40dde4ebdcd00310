package when

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	now := time.Date(2026, 12, 6, 14, 0, 0, 0, time.UTC)
	local := func(y, mo, d, h, mi, s int) time.Time {
		return time.Date(y, time.Month(mo), d, h, mi, s, 0, time.Local)
	}
	for _, c := range []struct {
		in   string
		want time.Time
	}{
		{"2026-12-06T13:50:00Z", time.Date(2026, 12, 6, 13, 50, 0, 0, time.UTC)},
		{"2026-12-06T13:50:00.5+01:00", time.Date(2026, 12, 6, 12, 50, 0, 5e8, time.UTC)},
		{"2026-12-06 13:50", local(2026, 12, 6, 13, 50, 0)},
		{"2026-12-06 13:50:07", local(2026, 12, 6, 13, 50, 7)},
		{"2026-12-06T13:50", local(2026, 12, 6, 13, 50, 0)},
		{"2026-12-06T13:50:07", local(2026, 12, 6, 13, 50, 7)},
		{"2026-12-06", local(2026, 12, 6, 0, 0, 0)},
		{"10m", now.Add(-10 * time.Minute)},
		{"1h30m", now.Add(-90 * time.Minute)},
		{"0s", now},
		{"1d", now.Add(-24 * time.Hour)},
		{"1d12h", now.Add(-36 * time.Hour)},
		{"2d30m", now.Add(-48*time.Hour - 30*time.Minute)},
	} {
		got, err := Parse(c.in, now)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("Parse(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"yesterday", `"yesterday" is not a time: ` + Accepted},
		{"", `"" is not a time`},
		{"d", "is not a time"},
		{"1d-2h", "is not a time"},
		{"1dx", "is not a time"},
		{"1.5d", "is not a time"},
		{"2026-13-01", "is not a time"},
		{"-1h", `"-1h": a duration ago must be positive`},
		{"-1d", `"-1d": a duration ago must be positive`},
	} {
		_, err := Parse(c.in, time.Now())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v; want an error with %q", c.in, err, c.want)
		}
	}
}
