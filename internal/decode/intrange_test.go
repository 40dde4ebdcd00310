package decode

import "testing"

// Issue 12 item 18: integers are range-checked by their QAPI type.
func TestIntRange(t *testing.T) {
	for _, c := range []struct {
		lit string
		t   Type
		ok  bool
	}{
		{"9223372036854775807", Type{Kind: KindInt}, true},
		{"9223372036854775808", Type{Kind: KindInt}, false},
		{"-9223372036854775808", Type{Kind: KindInt}, true},
		{"-9223372036854775809", Type{Kind: KindInt}, false},
		{"18446744073709551615", Type{Kind: KindUint}, true},
		{"18446744073709551616", Type{Kind: KindUint}, false},
		{"-1", Type{Kind: KindUint}, false},
		{"0", Type{Kind: KindUint}, true},
		// A live schema's "int" stands for every integer type.
		{"18446744073709551615", Type{Kind: KindInt, AnyInt64: true}, true},
		{"-9223372036854775808", Type{Kind: KindInt, AnyInt64: true}, true},
		{"18446744073709551616", Type{Kind: KindInt, AnyInt64: true}, false},
	} {
		if got := intRange(c.lit, &c.t) == ""; got != c.ok {
			t.Errorf("%s as %s (any %v): in range %v, want %v", c.lit, c.t.Kind, c.t.AnyInt64, got, c.ok)
		}
	}
}

// A Hyper-V crash parameter is a uint64: 2^64-1 is valid, 2^64 and -1 are
// not, and the raw fast path agrees with the slow one.
func TestUintFieldInCatalog(t *testing.T) {
	cat := Builtin()
	for _, c := range []struct {
		arg string
		bad bool
	}{{"18446744073709551615", false}, {"18446744073709551616", true}, {"-1", true}, {"5", false}} {
		raw := `{"event":"GUEST_PANICKED","timestamp":{"seconds":1,"microseconds":2},"data":{"action":"pause","info":{"type":"hyper-v","arg1":` + c.arg + `,"arg2":0,"arg3":0,"arg4":0,"arg5":0}}}`
		m, err := ScanMessage([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		chk := cat.Validate(NewEvent(&m, "vm"), Version{})
		if got := len(chk.Problems) > 0; got != c.bad {
			t.Errorf("arg1 %s: problems %v, want bad=%v", c.arg, chk.Problems, c.bad)
		}
	}
}

// Issue 12 item 5: schema warnings are safe to print, whatever the event's
// member names and values hold (C0, C1, bidi).
func TestProblemStringEscaped(t *testing.T) {
	raw := `{"event":"VNC_CONNECTED","timestamp":{"seconds":1,"microseconds":2},"data":{"server":{"host":"h","service":"1","family":"ipv4\u009b2J\u202e","websocket":false},"client":{"host":"h","service":"1","family":"ipv4","websocket":false}}}`
	m, err := ScanMessage([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	chk := Builtin().Validate(NewEvent(&m, "vm"), Version{})
	if len(chk.Problems) == 0 {
		t.Fatal("want a problem")
	}
	for _, p := range chk.Problems {
		for _, r := range p.String() {
			if r < 0x20 || (r >= 0x7f && r < 0xa0) || (r >= 0x202a && r <= 0x202e) {
				t.Errorf("raw %U in %q", r, p.String())
			}
		}
	}
}
