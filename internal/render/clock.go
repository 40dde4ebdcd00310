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

// TimeModes lists the --time values.
var TimeModes = []string{"local", "utc", "unix", "relative"}

func (c *clock) append(dst []byte, ev *decode.Event) []byte {
	t := ev.Time()
	if t.IsZero() {
		return append(dst, "(no time)"...)
	}
	switch c.mode {
	case "utc":
		return t.UTC().AppendFormat(dst, "2006-01-02T15:04:05.000000Z")
	case "unix":
		dst = strconv.AppendInt(dst, ev.Seconds, 10)
		dst = append(dst, '.')
		us := strconv.AppendInt(nil, ev.Micros+1000000, 10)
		return append(dst, us[1:]...)
	case "relative":
		if c.first.IsZero() {
			c.first = t
		}
		return strconv.AppendFloat(append(dst, '+'), t.Sub(c.first).Seconds(), 'f', 6, 64)
	}
	return t.In(c.loc).AppendFormat(dst, "2006-01-02 15:04:05.000000")
}
