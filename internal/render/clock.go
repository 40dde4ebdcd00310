package render

import (
	"strconv"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// clock formats event times for the chosen --time mode.
type clock struct {
	mode  string
	loc   *time.Location
	first time.Time // relative mode: the first event shown
}

func newClock(o Options) *clock {
	mode := o.Time
	if mode == "" {
		mode = "local"
	}
	return &clock{mode: mode, loc: o.Location}
}

func (c *clock) append(dst []byte, ev *decode.Event) []byte {
	return c.appendTime(dst, ev.Time())
}

// appendTime formats t: local (with its zone offset, so that a reader in
// another zone knows what it means), utc and rfc3339 with microseconds,
// clock as the local time of day in milliseconds (narrow terminals), unix
// as seconds.microseconds, relative as seconds since the first time shown.
func (c *clock) appendTime(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(dst, "(no time)"...)
	}
	switch c.mode {
	case "utc":
		return t.UTC().AppendFormat(dst, "2006-01-02T15:04:05.000000Z")
	case "rfc3339":
		return t.In(c.loc).AppendFormat(dst, "2006-01-02T15:04:05.000000Z07:00")
	case "clock":
		return t.In(c.loc).AppendFormat(dst, "15:04:05.000")
	case "unix":
		dst = strconv.AppendInt(dst, t.Unix(), 10)
		dst = append(dst, '.')
		us := strconv.AppendInt(nil, int64(t.Nanosecond()/1000)+1000000, 10)
		return append(dst, us[1:]...)
	case "relative":
		if c.first.IsZero() {
			c.first = t
		}
		d := t.Sub(c.first)
		if d >= 0 {
			dst = append(dst, '+')
		}
		return strconv.AppendFloat(dst, d.Seconds(), 'f', 6, 64)
	}
	return t.In(c.loc).AppendFormat(dst, "2006-01-02 15:04:05.000000 -07:00")
}

// AppendTime formats t in a --time mode exactly as the event outputs do,
// for the tables of the trackers: --time means one thing everywhere.
// relative reads as local there (a table has no first event).
func AppendTime(dst []byte, t time.Time, mode string) []byte {
	c := clock{mode: mode, loc: time.Local}
	if mode == "relative" || mode == "" {
		c.mode = "local"
	}
	return c.appendTime(dst, t)
}
