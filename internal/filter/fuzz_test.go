package filter

import (
	"errors"
	"strings"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// FuzzParseWhere: any --where text either compiles to a usable condition or
// fails with a WhereError that points inside the text; a compiled condition
// matches any event data without panicking, and always the same way.
func FuzzParseWhere(f *testing.F) {
	for _, s := range []string{
		"client.channel-type==1", "device", "offset>=9007199254740993", "len<1e3",
		`reason~"^host-"`, "host!~'^127\\.'", "tls==true", "id!=null", `msg=="a\"b"`,
		"a..b==1", "==1", "x=~y", "x<true", "n>1e999999999", "x~(", "  server.port  !=  '5900'  ",
	} {
		f.Add(s, []byte(`{"client": {"channel-type": 1, "host": "127.0.0.1", "port": "5900"}, "offset": 9007199254740993, "len": -1e3, "tls": false, "reason": "host-qmp-quit"}`))
	}
	f.Fuzz(func(t *testing.T, expr string, data []byte) {
		w, err := ParseWhere(expr)
		if err != nil {
			var we *WhereError
			if !errors.As(err, &we) {
				t.Fatalf("ParseWhere(%q): %v is a %T, not a *WhereError", expr, err, err)
			}
			if we.Col < 1 || we.Col > len(expr)+1 {
				t.Fatalf("ParseWhere(%q): column %d outside the expression", expr, we.Col)
			}
			return
		}
		if w.Src != expr || len(w.Path) == 0 {
			t.Fatalf("ParseWhere(%q) = %+v", expr, w)
		}
		for _, seg := range w.Path {
			if seg == "" || strings.IndexFunc(seg, func(r rune) bool { return r > 127 || !isPathByte(byte(r)) || r == '.' }) >= 0 {
				t.Fatalf("ParseWhere(%q): bad path segment %q", expr, seg)
			}
		}
		v, err := decode.Parse(data)
		if err != nil {
			v = decode.Value{Kind: decode.Object}
		}
		if matchData(w, v) != matchData(w, v) {
			t.Fatalf("%q matched %s two ways", expr, data)
		}
	})
}
