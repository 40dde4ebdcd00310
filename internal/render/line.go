package render

import (
	"strconv"
	"strings"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// line builds one summary sentence. Every value it takes from the event is
// made safe for a terminal; numbers keep their exact text unless humanised
// as a size on purpose.
type line struct {
	b   []byte
	d   decode.Value   // the event's data
	ctx decode.Context // what earlier events told (track.Causes)
}

// get follows a dotted path ("client.host") into the data.
func (l *line) get(path string) (decode.Value, bool) {
	v := l.d
	for path != "" {
		key, rest, _ := strings.Cut(path, ".")
		var ok bool
		if v, ok = v.Get(key); !ok {
			return decode.Value{}, false
		}
		path = rest
	}
	return v, true
}

func (l *line) has(path string) bool { _, ok := l.get(path); return ok }

// str is the string at path, "" when missing or not a string; for choosing
// words, never for output (use v).
func (l *line) str(path string) string {
	v, _ := l.get(path)
	if v.Kind != decode.String {
		return ""
	}
	return v.Text
}

// truth reports whether the member at path is true.
func (l *line) truth(path string) bool {
	v, _ := l.get(path)
	return v.Kind == decode.Bool && v.True
}

// s appends literal text.
func (l *line) s(lit string) *line {
	l.b = append(l.b, lit...)
	return l
}

// v appends the value at path; a missing value shows as "?", an empty
// string as "" so that it never leaves a hole in the sentence.
func (l *line) v(path string) *line {
	val, ok := l.get(path)
	switch {
	case !ok:
		l.b = append(l.b, '?')
	case val.Kind == decode.String && val.Text == "":
		l.b = append(l.b, `""`...)
	default:
		l.b = appendValue(l.b, val)
	}
	return l
}

// opt appends prefix and the value at path, only when it is present.
func (l *line) opt(prefix, path string) *line {
	if l.has(path) {
		l.s(prefix).v(path)
	}
	return l
}

// either appends yes when the bool at path is true, otherwise no.
func (l *line) either(path, yes, no string) *line {
	if l.truth(path) {
		return l.s(yes)
	}
	return l.s(no)
}

// size appends the number at path as a size in bytes, humanised (64 MiB).
func (l *line) size(path string) *line {
	val, ok := l.get(path)
	if !ok {
		l.b = append(l.b, '?')
		return l
	}
	l.b = appendSize(l.b, val)
	return l
}

// addr appends an endpoint object {host, port|service, family, websocket}
// as host:port ([host]:port for IPv6, the path alone for unix sockets).
func (l *line) addr(obj, portKey string) *line {
	host, port := obj+".host", obj+"."+portKey
	switch l.str(obj + ".family") {
	case "ipv6":
		l.s("[").v(host).s("]:").v(port)
	case "unix":
		// The host is the socket path; a service is rarely set there.
		l.v(host)
		if l.str(port) != "" {
			l.s(":").v(port)
		}
	default:
		l.v(host).s(":").v(port)
	}
	if l.truth(obj + ".websocket") {
		l.s(" via websocket")
	}
	return l
}

// sock appends a SocketAddress union (inet, unix, vsock, fd).
func (l *line) sock(obj string) *line {
	switch l.str(obj + ".type") {
	case "inet":
		if strings.Contains(l.str(obj+".host"), ":") {
			return l.s("[").v(obj + ".host").s("]:").v(obj + ".port")
		}
		return l.v(obj + ".host").s(":").v(obj + ".port")
	case "unix":
		return l.s("unix:").v(obj + ".path")
	case "vsock":
		return l.s("vsock:").v(obj + ".cid").s(":").v(obj + ".port")
	case "fd":
		return l.s("fd ").v(obj + ".str")
	}
	return l.v(obj)
}

// kv appends every member of the object at path as key=value, nested
// objects flattened to a.b=value.
func (l *line) kv(path string) *line {
	v, ok := l.get(path)
	if !ok {
		return l
	}
	for i, m := range v.Members {
		if i > 0 {
			l.b = append(l.b, ' ')
		}
		l.b = appendKV(l.b, m.Key, m.Value)
	}
	return l
}

// appendValue appends a value for a person: strings unquoted and escaped,
// numbers exact, objects and arrays as compact JSON.
func appendValue(dst []byte, v decode.Value) []byte {
	switch v.Kind {
	case decode.String:
		return AppendSafe(dst, v.Text)
	case decode.Number:
		return append(dst, v.Text...)
	case decode.Object, decode.Array:
		return AppendSafe(dst, v.String())
	}
	return v.AppendJSON(dst)
}

// appendKV writes key=value with nested objects flattened to a.b=value.
func appendKV(dst []byte, key string, v decode.Value) []byte {
	if v.Kind == decode.Object && len(v.Members) > 0 {
		for i, m := range v.Members {
			if i > 0 {
				dst = append(dst, ' ')
			}
			dst = appendKV(dst, key+"."+m.Key, m.Value)
		}
		return dst
	}
	dst = AppendSafe(dst, key)
	dst = append(dst, '=')
	return appendValue(dst, v)
}

var sizeUnits = [...]string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}

// appendSize writes a byte count in binary units: whole numbers of a unit
// exactly (64 MiB), others with one decimal (1.5 GiB), below 1 KiB in bytes.
// A value that is not a non-negative integer is written as it came.
func appendSize(dst []byte, v decode.Value) []byte {
	n, err := strconv.ParseUint(v.Text, 10, 64)
	if v.Kind != decode.Number || err != nil {
		return append(appendValue(dst, v), " B"...)
	}
	u := 0
	for u < len(sizeUnits)-1 && n >= 1<<(10*(u+1)) {
		u++
	}
	if n%(1<<(10*u)) == 0 {
		dst = strconv.AppendUint(dst, n>>(10*u), 10)
	} else {
		dst = strconv.AppendFloat(dst, float64(n)/float64(uint64(1)<<(10*u)), 'f', 1, 64)
	}
	return append(append(dst, ' '), sizeUnits[u]...)
}
