package decode

import (
	"bytes"
	"math/big"
	"reflect"
	"strings"
	"testing"
)

func TestParseRoundTripsExactly(t *testing.T) {
	tests := []string{
		`{"offset":9223372036854775807,"len":18446744073709551615}`,
		`{"connection-id":-1296444001,"port":"41134"}`,
		`{"z":1,"a":2,"m":[1,2.5,-0,1e400,{"k":null}]}`,
		`{"s":"tab\there \"q\" \\ \u001b[31m é 😀"}`,
		`[]`, `{}`, `true`, `null`, `"x"`, `-12.5e-3`,
	}
	for _, in := range tests {
		v, err := Parse([]byte(in))
		if err != nil {
			t.Errorf("Parse(%s): %v", in, err)
			continue
		}
		again, err := Parse(v.AppendJSON(nil))
		if err != nil || again.String() != v.String() {
			t.Errorf("round trip of %s: got %s (%v)", in, again.String(), err)
		}
	}
	v, _ := Parse([]byte(tests[0]))
	if v.String() != tests[0] {
		t.Errorf("compact input changed: %s", v.String())
	}
}

func TestParseKeepsOrderAndNumbers(t *testing.T) {
	v, err := Parse([]byte(`{"b": 18446744073709551615, "a": -3, "c": 2.5}`))
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, m := range v.Members {
		keys = append(keys, m.Key)
	}
	if strings.Join(keys, ",") != "b,a,c" {
		t.Errorf("order = %v", keys)
	}
	b, _ := v.Get("b")
	if got := b.Interface().(*big.Int).String(); got != "18446744073709551615" {
		t.Errorf("big = %s", got)
	}
	a, _ := v.Get("a")
	if n, ok := a.Int64(); !ok || n != -3 || a.Interface() != -3 {
		t.Errorf("a = %v %v", n, a.Interface())
	}
	c, _ := v.Get("c")
	if c.Interface() != 2.5 {
		t.Errorf("c = %v", c.Interface())
	}
}

func TestParseRejects(t *testing.T) {
	for _, in := range []string{
		``, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `{a:1}`, `"abc`, `"\x"`, "\"a\x01\"",
		`01`, `1.`, `-`, `1e`, `tru`, `nul`, `{"a":1} x`, `{"a":1}{}`, `"\u12"`,
		strings.Repeat("[", maxDepth+2),
	} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", in)
		}
	}
}

func TestScanMessage(t *testing.T) {
	tests := []struct {
		in   string
		kind MsgKind
		name string
		data string
		vm   string
	}{
		{`{"QMP": {"version": {}}}`, MsgGreeting, "", "", ""},
		{`{"return": {}, "id": 3}`, MsgReturn, "", "", ""},
		{`{"error": {"class": "GenericError", "desc": "x"}}`, MsgError, "", "", ""},
		{`{"timestamp": {"seconds": 5, "microseconds": 6}, "event": "RESET", "data": {"guest": true}}`, MsgEvent, "RESET", `{"guest": true}`, ""},
		{`{"event":"STOP","timestamp":{"seconds":5,"microseconds":6},"vm":"web1"}`, MsgEvent, "STOP", "", "web1"},
		{`{"hello": 1}`, MsgOther, "", "", ""},
	}
	for _, tt := range tests {
		m, err := ScanMessage([]byte(tt.in))
		if err != nil {
			t.Errorf("ScanMessage(%s): %v", tt.in, err)
			continue
		}
		if m.Kind != tt.kind || m.Event != tt.name || string(m.Data) != tt.data || m.VM != tt.vm {
			t.Errorf("ScanMessage(%s) = kind %d event %q data %q vm %q", tt.in, m.Kind, m.Event, m.Data, m.VM)
		}
	}
	m, _ := ScanMessage([]byte(tests[3].in))
	if m.Seconds != 5 || m.Micros != 6 || !m.HasTime {
		t.Errorf("timestamp = %d.%d", m.Seconds, m.Micros)
	}
	for _, bad := range []string{`[1]`, `{"event": "X", "data": {bad}}`, `{"event": "X"} trailing`, `{"event": "X"`} {
		if _, err := ScanMessage([]byte(bad)); err == nil {
			t.Errorf("ScanMessage(%s) succeeded, want an error", bad)
		}
	}
}

func TestEventTimeAndObject(t *testing.T) {
	m, _ := ScanMessage([]byte(`{"timestamp": {"seconds": -1, "microseconds": -1}, "event": "STOP"}`))
	e := NewEvent(&m, "vm1")
	if !e.Time().IsZero() {
		t.Errorf("{-1,-1} should mean no time, got %v", e.Time())
	}
	if _, ok := e.Object()["data"]; ok {
		t.Error("an event without data should have no data member for jq")
	}
	m, _ = ScanMessage([]byte(`{"timestamp": {"seconds": 1700000000, "microseconds": 250}, "event": "X", "data": {"n": 1}}`))
	e = NewEvent(&m, "vm1")
	if got := e.Time().UnixMicro(); got != 1700000000000250 {
		t.Errorf("time = %d", got)
	}
	if e.Object()["vm"] != "vm1" {
		t.Error("vm missing from the jq object")
	}
}

func TestAppendCompact(t *testing.T) {
	for in, want := range map[string]string{
		"{ \"a\" : [ 1 , 2 ] ,\r\n \"s\": \"keep  these \\\" spaces\" }": `{"a":[1,2],"s":"keep  these \" spaces"}`,
		// A backslash that ends a string escapes nothing after it.
		`{"a": "ends in \\", "b": " x "}`:  `{"a":"ends in \\","b":" x "}`,
		`{"a": "\\\" still in ", "b" : 1}`: `{"a":"\\\" still in ","b":1}`,
		`[ "", " ", "\"" ]`:                `[""," ","\""]`,
	} {
		if got := string(AppendCompact(nil, []byte(in))); got != want {
			t.Errorf("AppendCompact(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestAppendQuote(t *testing.T) {
	v, _ := Parse([]byte(`"a\u001bb\"c\\d\né\u2028"`))
	back, err := Parse(AppendQuote(nil, v.Text))
	if err != nil || back.Text != v.Text {
		t.Errorf("quote round trip: %q vs %q (%v)", back.Text, v.Text, err)
	}
}

func TestPeekEvent(t *testing.T) {
	tests := []struct {
		in   string
		name string
		ok   bool
	}{
		{`{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP"}`, "STOP", true},
		{`{"event":"RESET","data":{"guest":true}}`, "RESET", true},
		{`{"data":{"guest":true},"event":"RESET","vm":"a"}`, "RESET", true},
		{`{"timestamp":{"s":"}{"},"x":[1,[2]],"n":-1.5e3,"event":"X_Y"}`, "X_Y", true},
		{`{"return": {}}`, "", false},
		{`{"event": 5}`, "", false},
		{`[1]`, "", false},
		{`{"timestamp": {"seconds": 1`, "", false},
		{`{"ev\u0065nt": "X"}`, "", false},
	}
	for _, tt := range tests {
		name, _, ok := PeekEvent([]byte(tt.in))
		if name != tt.name || ok != tt.ok {
			t.Errorf("PeekEvent(%s) = %q, %v; want %q, %v", tt.in, name, ok, tt.name, tt.ok)
		}
		if ok {
			_, data, _ := PeekEvent([]byte(tt.in))
			if m, err := ScanMessage([]byte(tt.in)); err == nil && (m.Event != name || !bytes.HasPrefix(data, m.Data)) {
				t.Errorf("PeekEvent and ScanMessage disagree on %s: %q vs %q", tt.in, name, m.Event)
			}
		}
	}
}

func TestEventLookupMatchesDecodedData(t *testing.T) {
	data := `{"server": {"host": "127.0.0.1", "port": "5900"}, "client": {"channel-type": 1, "connection-id": -1296444001, "list": [{"a": 1}, {"a": [2, 3]}], "s": "x,}]"}, "e\u0078": 1}`
	paths := [][]string{
		{"client", "channel-type"}, {"client", "connection-id"}, {"server"}, {"server", "port"},
		{"client", "list", "1", "a", "0"}, {"client", "list", "5"}, {"client", "list", "x"}, {"client", "s"},
		{"missing"}, {"server", "host", "deeper"}, {"ex"}, {},
	}
	for _, path := range paths {
		ev := &Event{DataRaw: []byte(data)}
		got, gok := ev.Lookup(path)
		want, wok := ev.Data().At(path)
		if got.String() != want.String() || gok != wok {
			t.Errorf("Lookup(%v) = %s %v, want %s %v", path, got.String(), gok, want.String(), wok)
		}
	}
}

func TestLookupRaw(t *testing.T) {
	data := `{"server": {"host": "127.0.0.1"}, "client": {"channel-type": 1, "list": [{"a": 1}, 2]}, "e\u0078": 1}, "vm": "x"}`
	tests := []struct {
		path        []string
		want        string
		found, sure bool
	}{
		{[]string{"client", "channel-type"}, "1", true, true},
		{[]string{"client", "list", "0", "a"}, "1", true, true},
		{[]string{"client", "list", "1", "b"}, "null", false, true},
		{[]string{"server", "port"}, "null", false, true},
		{[]string{"vm"}, "null", false, false}, // past an escaped name: unsure
		{[]string{"ex"}, "null", false, false},
	}
	for _, tt := range tests {
		v, found, sure := LookupRaw([]byte(data), tt.path)
		if v.String() != tt.want || found != tt.found || sure != tt.sure {
			t.Errorf("LookupRaw(%v) = %s %v %v, want %s %v %v", tt.path, v.String(), found, sure, tt.want, tt.found, tt.sure)
		}
	}
	if _, _, sure := LookupRaw([]byte(`{"a": {"b": tru`), []string{"a", "b"}); sure {
		t.Error("a malformed value should leave LookupRaw unsure")
	}
}

// TestEventDataSized: an event's data tree is built in one allocation per
// kind, from the counts ScanMessage keeps, and is the tree Parse builds;
// a user's append to one object's members cannot reach its neighbour's.
func TestEventDataSized(t *testing.T) {
	for _, data := range []string{
		`{}`, `[]`, `{"a": 1}`, `[1, [2, 3], {"x": [4]}]`,
		`{"server": {"host": "127.0.0.1", "port": "5900", "auth": "none"}, "client": {"host": "127.0.0.1", "port": "38802", "channel-type": 1}}`,
		`{"a": {"b": {"c": []}}, "d": [{}, {"e": null}], "f": "\u00e9\\"}`,
	} {
		raw := `{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "X", "data": ` + data + `}`
		m, err := ScanMessage([]byte(raw))
		if err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		ev := NewEvent(&m, "vm")
		checkSized(t, m, ev.Data())
		if d := ev.Data(); len(d.Members) > 1 {
			first := d.Members[0].Value
			if len(first.Members) > 0 {
				_ = append(first.Members, Member{Key: "intruder"})
				if again, _ := Parse(m.Data); !reflect.DeepEqual(again, ev.Data()) {
					t.Errorf("%s: an append to one object changed the tree: %+v", data, ev.Data())
				}
			}
		}
	}
}
