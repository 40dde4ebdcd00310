package filter

import (
	"errors"
	"strings"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// A SPICE_INITIALIZED payload as QEMU 7.2 sends it, with a negative
// connection-id, plus members that exercise big integers and odd strings.
const whereData = `{"server": {"auth": "none", "port": "5930", "family": "ipv4", "host": "127.0.0.1"},
 "client": {"port": "49154", "family": "ipv4", "channel-type": 1, "connection-id": -1296444001,
            "host": "127.0.0.1", "channel-id": 0, "tls": false},
 "len": 18446744073709551615, "offset": 9007199254740993, "ratio": 0.5,
 "device": "job1.drive-mirror", "ghost": null, "status": "null", "list": [{"id": "a"}, {"id": "b-2"}]}`

func TestWhereOperators(t *testing.T) {
	data, err := decode.Parse([]byte(whereData))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		expr string
		want bool
	}{
		// bare path: present and neither false nor null
		{"client.channel-type", true},
		{"client.tls", false},
		{"ghost", false},
		{"missing", false},
		{"server", true},

		// == and =, numbers
		{"client.channel-type==1", true},
		{"client.channel-type=1", true},
		{"client.channel-type == 1", true},
		{"client.channel-type==1.0", true},
		{"client.channel-type==2", false},
		{"client.channel-type==\"1\"", false}, // a quoted 1 is a string, the member a number
		{"client.connection-id==-1296444001", true},
		{"client.connection-id==-1296444002", false},
		{"len==18446744073709551615", true},
		{"len==18446744073709551614", false},
		{"offset==9007199254740993", true},
		{"offset==9007199254740992", false}, // equal as float64, not as integers
		{"ratio==0.5", true},
		{"ratio==5e-1", true},

		// != and missing members
		{"client.channel-type!=1", false},
		{"client.channel-type!=3", true},
		{"missing!=3", true},
		{"missing==null", true},
		{"ghost==null", true},
		{"device==null", false},
		{"missing==3", false},

		// ordering, exact beyond 2^53 and negative
		{"client.channel-type<2", true},
		{"client.channel-type<1", false},
		{"client.channel-type<=1", true},
		{"client.channel-type>0", true},
		{"client.channel-type>=2", false},
		{"client.connection-id<0", true},
		{"client.connection-id>-1296444001", false},
		{"client.connection-id>=-1296444001", true},
		{"len>18446744073709551614", true},
		{"len<18446744073709551616", true},
		{"offset>9007199254740992", true},
		{"offset<9007199254740992.5", false},
		{"ratio<1", true},
		{"missing<1", false},
		{"device<1", false}, // a non-numeric string does not order against a number

		// strings: quotes optional, dots and dashes kept
		{"device==job1.drive-mirror", true},
		{`device=="job1.drive-mirror"`, true},
		{`device=='job1.drive-mirror'`, true},
		{"device==job1", false},
		{"server.auth==none", true},
		{"server.port==5930", true}, // QMP sends ports as strings
		{"server.port>5900", true},
		{"server.port<5000", false},
		{"client.host==127.0.0.1", true},
		{"device>job0", true},
		{"device<job0", false},
		{"client.tls==false", true},
		{"client.tls==true", false},
		{`client.tls=="false"`, false},
		{`status==null`, true}, // QEMU's JobStatus has a value "null"
		{`status=="null"`, true},
		{`status!=null`, false},
		{`ghost=="null"`, false},
		{`server.auth==true`, false},

		// regular expressions
		{"device~^job[0-9]+\\.", true},
		{"device~mirror$", true},
		{"device!~mirror$", false},
		{"device~^mirror", false},
		{"client.channel-type~^[12]$", true},
		{"client.tls~false", true},
		{"missing~.", false},
		{"missing!~.", true},

		// arrays by index
		{"list.1.id==b-2", true},
		{"list.0.id==b-2", false},
		{"list.5.id", false},
	}
	for _, tc := range tests {
		w, err := ParseWhere(tc.expr)
		if err != nil {
			t.Errorf("ParseWhere(%q): %v", tc.expr, err)
			continue
		}
		if got := matchData(w, data); got != tc.want {
			t.Errorf("%q on the test data = %v, want %v", tc.expr, got, tc.want)
		}
	}
}

func TestParseWhere(t *testing.T) {
	tests := []struct {
		expr string
		path []string
		op   Op
		kind decode.Kind
		text string
	}{
		{"client.channel-type==1", []string{"client", "channel-type"}, OpEq, decode.Number, "1"},
		{"  a.b  >=  -12  ", []string{"a", "b"}, OpGe, decode.Number, "-12"},
		{"x!=null", []string{"x"}, OpNe, decode.Null, "null"},
		{"x==true", []string{"x"}, OpEq, decode.Bool, "true"},
		{"x==hello world", []string{"x"}, OpEq, decode.String, "hello world"},
		{`x=="a \"q\""`, []string{"x"}, OpEq, decode.String, `a "q"`},
		{`x=='it''s'`, []string{"x"}, OpEq, decode.String, `it''s`},
		{"x==007", []string{"x"}, OpEq, decode.String, "007"}, // not a JSON number
		{"x<=1e3", []string{"x"}, OpLe, decode.Number, "1e3"},
		{"x==1e99999", []string{"x"}, OpEq, decode.String, "1e99999"}, // exponent out of bounds
		{"qom-path", []string{"qom-path"}, OpTruthy, decode.Null, ""},
		{"node_name=a", []string{"node_name"}, OpEq, decode.String, "a"},
	}
	for _, tc := range tests {
		w, err := ParseWhere(tc.expr)
		if err != nil {
			t.Errorf("ParseWhere(%q): %v", tc.expr, err)
			continue
		}
		if strings.Join(w.Path, "/") != strings.Join(tc.path, "/") || w.Op != tc.op || w.val.kind != tc.kind || w.val.text != tc.text {
			t.Errorf("ParseWhere(%q) = path %q op %d value %s %q; want %q %d %s %q",
				tc.expr, w.Path, w.Op, w.val.kind, w.val.text, tc.path, tc.op, tc.kind, tc.text)
		}
	}
}

func TestParseWhereErrors(t *testing.T) {
	tests := []struct {
		expr string
		col  int
		msg  string
	}{
		{"", 1, "expected a data member path"},
		{"==1", 1, `expected a data member path such as client.channel-type, found "="`},
		{"a..b==1", 3, `empty name between dots`},
		{".a==1", 1, `empty name between dots`},
		{"a.b==", 6, `expected a value after "=="`},
		{"a.b ==   ", 10, `expected a value after "=="`},
		{"a.b =~ x", 6, `use ~ alone`},
		{"reason~=guest", 8, `~= is not an operator: use ~ or !~ alone for a regular expression, != for not equal`},
		{"reason !~= guest", 10, `!~= is not an operator`},
		{"a.b x", 5, `expected an operator (==, !=, <, <=, >, >=, ~, !~) after "a.b", found "x"`},
		{"a.b<true", 5, `expected a number or a string after "<", found true`},
		{"a.b>=null", 6, `expected a number or a string after ">=", found null`},
		{"a.b~(", 5, `expected a regular expression after "~"`},
		{`a.b=="abc`, 6, `expected a closing " and valid escapes`},
		{`a.b=='abc`, 6, `expected a closing '`},
	}
	for _, tc := range tests {
		_, err := ParseWhere(tc.expr)
		var we *WhereError
		if !errors.As(err, &we) {
			t.Errorf("ParseWhere(%q) error = %v, want a *WhereError", tc.expr, err)
			continue
		}
		if we.Col != tc.col || !strings.Contains(we.Msg, tc.msg) {
			t.Errorf("ParseWhere(%q) = column %d %q; want column %d containing %q", tc.expr, we.Col, we.Msg, tc.col, tc.msg)
		}
		if !strings.Contains(err.Error(), `--where "`) {
			t.Errorf("error %q does not name the flag and expression", err)
		}
	}
}

// matchData evaluates w on a decoded data object, the reference that
// MatchEvent and RejectsRaw are held to.
func matchData(w *Where, data decode.Value) bool {
	v, ok := data.At(w.Path)
	return w.matchAt(v, ok)
}

// A pattern that starts with "=" is quoted, which tells it from ~=.
func TestParseWhereQuotedEquals(t *testing.T) {
	w, err := ParseWhere(`reason~'=guest'`)
	if err != nil {
		t.Fatal(err)
	}
	if w.Op != OpMatch || w.re.String() != "=guest" {
		t.Errorf("op %v, pattern %q", w.Op, w.re)
	}
}
