package decode

import (
	"strings"
	"testing"
)

// Issue 23: QAPI's integer widths are kept. A uint32 member given 2^40
// used to pass (every unsigned type was a uint64); each width now has its
// range, and the fast path (rawClean, no allocation) agrees with the slow
// one (intRange) on every literal.
func TestIntWidths(t *testing.T) {
	for _, c := range []struct {
		typ, lit string
		ok       bool
	}{
		{"uint32", "4294967295", true}, {"uint32", "4294967296", false}, {"uint32", "1099511627776", false}, {"uint32", "-1", false},
		{"uint16", "65535", true}, {"uint16", "65536", false},
		{"uint8", "255", true}, {"uint8", "256", false},
		{"uint64", "18446744073709551615", true}, {"uint64", "18446744073709551616", false},
		{"size", "18446744073709551615", true}, {"size", "-1", false},
		{"int8", "127", true}, {"int8", "128", false}, {"int8", "-128", true}, {"int8", "-129", false},
		{"int16", "-32768", true}, {"int16", "32768", false},
		{"int32", "2147483647", true}, {"int32", "-2147483649", false},
		{"int64", "-9223372036854775808", true}, {"int64", "9223372036854775808", false},
		{"int", "9223372036854775807", true}, {"int", "-9223372036854775809", false},
	} {
		typ := intType(c.typ)
		if got := intRange(c.lit, typ) == ""; got != c.ok {
			t.Errorf("%s as %s: in range %v, want %v (%s)", c.lit, c.typ, got, c.ok, intRange(c.lit, typ))
		}
		w := walker{}
		if clean := rawClean([]byte(c.lit), typ, &w); clean && !c.ok {
			t.Errorf("%s as %s: the fast path calls it clean", c.lit, c.typ)
		}
	}
	if got, want := intRange("4294967296", intType("uint32")), "uint32 (0 to 4294967295)"; got != want {
		t.Errorf("uint32 range said %q, want %q", got, want)
	}
	if got, want := intRange("-129", intType("int8")), "int8 (-128 to 127)"; got != want {
		t.Errorf("int8 range said %q, want %q", got, want)
	}
}

// The members QAPI gives a width, in events: s390's core and QEMU 11.0's
// sev members are uint32, so 2^40 is a violation there.
func TestCatalogIntWidthViolations(t *testing.T) {
	cat := Builtin()
	for _, c := range []struct {
		info, problem string
	}{
		{`{"type":"s390","core":1099511627776,"psw-mask":0,"psw-addr":0,"reason":"unknown"}`, "data.info.core: number 1099511627776 is out of range for uint32"},
		{`{"type":"s390","core":4294967295,"psw-mask":18446744073709551615,"psw-addr":0,"reason":"unknown"}`, ""},
		{`{"type":"sev","set":1099511627776,"code":1}`, "data.info.set: number 1099511627776 is out of range for uint32"},
		{`{"type":"sev","set":0,"code":4294967296}`, "data.info.code: number 4294967296 is out of range for uint32"},
		{`{"type":"sev","set":0,"code":3}`, ""},
		{`{"type":"tdx","error-code":-1,"message":"m"}`, "data.info.error-code: number -1 is out of range for uint32"},
	} {
		for _, event := range []string{"GUEST_PANICKED", "GUEST_CRASHLOADED"} {
			raw := `{"event":"` + event + `","timestamp":{"seconds":1,"microseconds":2},"data":{"action":"pause","info":` + c.info + `}}`
			m, err := ScanMessage([]byte(raw))
			if err != nil {
				t.Fatal(err)
			}
			chk := cat.Validate(NewEvent(&m, "vm"), v("11.0.0"))
			var got []string
			for _, p := range chk.Problems {
				got = append(got, p.String())
			}
			if len(chk.UnknownFields) > 0 || len(chk.UnknownValues) > 0 {
				t.Errorf("%s %s: unknown %v %v", event, c.info, chk.UnknownFields, chk.UnknownValues)
			}
			switch {
			case c.problem == "" && len(got) > 0:
				t.Errorf("%s %s: problems %q, want none", event, c.info, got)
			case c.problem != "" && (len(got) != 1 || !strings.Contains(got[0], c.problem)):
				t.Errorf("%s %s: problems %q, want %q", event, c.info, got, c.problem)
			}
		}
	}
}

// A clean event with narrow integers costs no allocation either.
func TestValidateNarrowIntsNoAllocs(t *testing.T) {
	ev := mustEvent(t, `{"event":"GUEST_PANICKED","data":{"action":"pause","info":{"type":"sev","set":0,"code":3}},"timestamp":{"seconds":1,"microseconds":2}}`)
	ev.Data()
	c := Builtin()
	// The union takes the slow path (rawClean leaves unions alone); a
	// flat event with narrow integers stays on the fast one.
	flat := mustEvent(t, `{"event":"HV_BALLOON_STATUS_REPORT","data":{"committed":1048576,"available":2097152},"timestamp":{"seconds":1,"microseconds":2}}`)
	flat.Data()
	ver := v("10.2.0")
	if n := testing.AllocsPerRun(100, func() { c.Validate(flat, ver) }); n != 0 {
		t.Errorf("Validate allocates %v times per clean event, want 0", n)
	}
	if chk := c.Validate(ev, v("11.0.0")); len(chk.Problems) > 0 {
		t.Errorf("a clean sev report: %v", chk.Problems)
	}
}

// BenchmarkValidateInts is a clean event of integers (len, offset, speed),
// each read and range-checked in place by the fast path.
func BenchmarkValidateInts(b *testing.B) {
	benchValidate(b, `{"event":"BLOCK_JOB_COMPLETED","data":{"type":"stream","device":"virtio-disk0","len":10737418240,"offset":10737418240,"speed":0},"timestamp":{"seconds":1,"microseconds":2}}`, "10.2.0")
}
