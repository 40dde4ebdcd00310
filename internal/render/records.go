package render

import (
	"strconv"
	"strings"
	"time"

	"github.com/fatih/color"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/safe"
)

// This file holds the layouts that the tracker commands (sessions, jobs,
// status) print: aligned tables and JSON records, built here only.

// AppendTable lays rows out in columns, two spaces apart, the first row
// being the header. Every cell is escaped, for cells hold strings from the
// wire (client names, SASL users, VM names).
func AppendTable(dst []byte, rows [][]string) []byte {
	return AppendStyledTable(dst, rows, nil, nil)
}

// AppendStyledTable is AppendTable with colour: style names the colour of
// a cell (nil for plain), applied after the padding is measured so that
// escape sequences never shift the columns. pal nil or off: plain.
func AppendStyledTable(dst []byte, rows [][]string, pal *Palette, style func(row, col int, cell string) *color.Color) []byte {
	if len(rows) == 0 {
		return dst
	}
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			r[i] = safe.String(c)
			if n := len([]rune(r[i])); n > width[i] {
				width[i] = n
			}
		}
	}
	for ri, r := range rows {
		for i, c := range r {
			if pal != nil && style != nil {
				dst = pal.Append(dst, style(ri, i, c), []byte(c))
			} else {
				dst = append(dst, c...)
			}
			if i < len(r)-1 {
				dst = append(dst, strings.Repeat(" ", width[i]-len([]rune(c))+2)...)
			}
		}
		dst = append(dst, '\n')
	}
	return dst
}

// CellTime formats a time for a table cell as the event outputs do in the
// same --time mode (AppendTime); "-" when unknown.
func CellTime(t time.Time, mode string) string {
	if t.IsZero() {
		return "-"
	}
	return string(AppendTime(nil, t, mode))
}

// CellDuration prints a duration to the millisecond: 1m2.345s, 0.355s.
func CellDuration(d time.Duration) string {
	return d.Round(time.Millisecond).String()
}

// OrDash is s, or "-" for an empty cell.
func OrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Record builds one JSON object member by member, without reflection: a
// record's numbers are QEMU's literals, written exactly as they came.
type Record struct{ b []byte }

// NewRecord starts an object in dst's storage.
func NewRecord(dst []byte) *Record { return &Record{b: append(dst[:0], '{')} }

func (r *Record) key(k string) {
	if r.b[len(r.b)-1] != '{' {
		r.b = append(r.b, ',')
	}
	r.b = decode.AppendQuote(r.b, k)
	r.b = append(r.b, ':')
}

// Str adds a string member.
func (r *Record) Str(k, v string) *Record {
	r.key(k)
	r.b = decode.AppendQuote(r.b, v)
	return r
}

// StrOrNull adds a string member, null when empty.
func (r *Record) StrOrNull(k, v string) *Record {
	if v == "" {
		return r.Null(k)
	}
	return r.Str(k, v)
}

// Lit adds a member whose value is a JSON literal (a number as QEMU sent
// it), null when empty.
func (r *Record) Lit(k, lit string) *Record {
	if lit == "" {
		return r.Null(k)
	}
	r.key(k)
	r.b = append(r.b, lit...)
	return r
}

// Null adds a null member.
func (r *Record) Null(k string) *Record {
	r.key(k)
	r.b = append(r.b, "null"...)
	return r
}

// Bool adds a boolean member.
func (r *Record) Bool(k string, v bool) *Record {
	r.key(k)
	r.b = strconv.AppendBool(r.b, v)
	return r
}

// Float adds a number member with prec decimals.
func (r *Record) Float(k string, v float64, prec int) *Record {
	r.key(k)
	r.b = strconv.AppendFloat(r.b, v, 'f', prec, 64)
	return r
}

// Time adds a time as an RFC 3339 UTC string with microseconds, or null
// when unknown.
func (r *Record) Time(k string, t time.Time) *Record {
	if t.IsZero() {
		return r.Null(k)
	}
	r.key(k)
	r.b = append(r.b, '"')
	r.b = t.UTC().AppendFormat(r.b, "2006-01-02T15:04:05.000000Z07:00")
	r.b = append(r.b, '"')
	return r
}

// Strs adds an array of strings.
func (r *Record) Strs(k string, vs []string) *Record {
	r.key(k)
	r.b = append(r.b, '[')
	for i, v := range vs {
		if i > 0 {
			r.b = append(r.b, ',')
		}
		r.b = decode.AppendQuote(r.b, v)
	}
	r.b = append(r.b, ']')
	return r
}

// Bytes ends the object and returns it, without a newline.
func (r *Record) Bytes() []byte { return append(r.b, '}') }
