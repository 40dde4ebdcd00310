package decode

import (
	"bufio"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

func mustEvent(t testing.TB, raw string) *Event {
	t.Helper()
	m, err := ScanMessage([]byte(raw))
	if err != nil {
		t.Fatalf("scan %s: %v", raw, err)
	}
	return NewEvent(&m, "vm1")
}

func v(s string) Version {
	if s == "" {
		return Version{}
	}
	ver, err := ParseVersion(s)
	if err != nil {
		panic(err)
	}
	return ver
}

// TestSeedExamples validates every example of the seed documents as the QEMU
// of their day: the 2010 document is QEMU 0.14, the 2012 one QEMU 1.3. They
// must also pass with the version unknown.
func TestSeedExamples(t *testing.T) {
	for file, ver := range map[string]string{"qemu-0.14.jsonl": "0.14", "qemu-1.3.jsonl": "1.3"} {
		f, err := os.Open("testdata/seeds/" + file)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		n := 0
		for sc.Scan() {
			var ex struct {
				Section string          `json:"section"`
				Event   json.RawMessage `json:"event"`
			}
			if err := json.Unmarshal(sc.Bytes(), &ex); err != nil {
				t.Fatal(err)
			}
			ev := mustEvent(t, string(ex.Event))
			if !strings.Contains(ex.Section, ev.Name) {
				// The 2012 WAKEUP example says "WATCHDOG": trust the heading.
				ev.Name = ex.Section
			}
			for _, at := range []string{ver, ""} {
				ck := Builtin().Validate(ev, v(at))
				if !ck.Checked || ck.Unknown || len(ck.Problems) > 0 || len(ck.UnknownFields) > 0 {
					t.Errorf("%s %s as %q: %+v", file, ev.Name, at, ck)
				}
			}
			n++
		}
		if n < 12 {
			t.Errorf("%s: only %d examples", file, n)
		}
	}
}

// TestCatalogExamples: each example in the catalog validates clean, as the
// newest QEMU and with the version unknown.
func TestCatalogExamples(t *testing.T) {
	for _, spec := range Builtin().Events() {
		if spec.Example == "" {
			continue
		}
		ev := mustEvent(t, spec.Example)
		if ev.Name != spec.Name {
			t.Errorf("%s: example is a %s", spec.Name, ev.Name)
		}
		for _, at := range []string{"", "99.0"} {
			ck := Builtin().Validate(ev, v(at))
			if len(ck.Problems) > 0 || len(ck.UnknownFields) > 0 {
				t.Errorf("%s example as %q: %+v", spec.Name, at, ck)
			}
		}
	}
}

func TestValidateViolations(t *testing.T) {
	tests := []struct {
		name     string
		event    string
		version  string
		problems []string // "path: msg"
		unknown  []string
	}{
		{"clean 7.2 reset", `{"event":"RESET","data":{"guest":false,"reason":"host-qmp-system-reset"}}`, "7.2.22", nil, nil},
		{"wrong type", `{"event":"RESET","data":{"guest":"yes","reason":"guest-reset"}}`, "7.2.22",
			[]string{`data.guest: want bool, got string "yes"`}, nil},
		{"missing required", `{"event":"RESET","data":{"guest":true}}`, "7.2.22",
			[]string{"data.reason: missing required field"}, nil},
		{"unknown enum value", `{"event":"BLOCK_IO_ERROR","data":{"device":"d","operation":"write","action":"explode","reason":"x"}}`, "7.2.0",
			[]string{`data.action: unknown value "explode" (want one of: ignore, report, stop)`}, nil},
		{"int not a fraction", `{"event":"BALLOON_CHANGE","data":{"actual":1.5}}`, "",
			[]string{"data.actual: want int, got number 1.5"}, nil},
		// Issue 12 item 18: QAPI int is 64-bit signed; the number is kept exact.
		{"int beyond 2^64 is out of range", `{"event":"BALLOON_CHANGE","data":{"actual":123456789012345678901234567890}}`, "",
			[]string{"data.actual: number 123456789012345678901234567890 is out of range for int64 (-9223372036854775808 to 9223372036854775807)"}, nil},
		{"int at 2^63 is out of range", `{"event":"BALLOON_CHANGE","data":{"actual":9223372036854775808}}`, "",
			[]string{"data.actual: number 9223372036854775808 is out of range for int64 (-9223372036854775808 to 9223372036854775807)"}, nil},
		{"int at 2^63-1 fits", `{"event":"BALLOON_CHANGE","data":{"actual":9223372036854775807}}`, "", nil, nil},
		{"int at -2^63 fits", `{"event":"BALLOON_CHANGE","data":{"actual":-9223372036854775808}}`, "", nil, nil},
		{"negative int", `{"event":"SPICE_INITIALIZED","data":{"server":{"host":"h","port":"1","family":"ipv4"},"client":{"host":"h","port":"2","family":"ipv4","connection-id":-1296444001,"channel-type":1,"channel-id":0,"tls":false}}}`, "7.2.0", nil, nil},
		{"nested object", `{"event":"VNC_CONNECTED","data":{"server":{"host":"h","service":5900,"family":"ipv4","websocket":false},"client":{"host":"h","service":"1","family":"ipx","websocket":false}}}`, "7.2.0",
			[]string{"data.server.service: want string, got number 5900", `data.client.family: unknown value "ipx" (want one of: ipv4, ipv6, unix, vsock, unknown)`}, nil},
		{"nested missing", `{"event":"DUMP_COMPLETED","data":{"result":{"status":"completed","total":1}}}`, "7.2.0",
			[]string{"data.result.completed: missing required field"}, nil},
		{"object wanted", `{"event":"MEMORY_FAILURE","data":{"recipient":"guest","action":"inject","flags":[]}}`, "7.2.0",
			[]string{"data.flags: want object, got array"}, nil},
		{"union variant", `{"event":"GUEST_PANICKED","data":{"action":"pause","info":{"type":"hyper-v","arg1":1,"arg2":2,"arg3":"x","arg4":4}}}`, "7.2.0",
			[]string{`data.info.arg3: want uint, got string "x"`, "data.info.arg5: missing required field"}, nil},
		{"union variant members are known", `{"event":"NETDEV_STREAM_CONNECTED","data":{"netdev-id":"n0","addr":{"type":"unix","path":"/tmp/s"}}}`, "7.2.0", nil, nil},
		{"unknown field", `{"event":"STOP","data":{"extra":1}}`, "7.2.0", nil, []string{"data.extra"}},
		{"unknown nested field", `{"event":"VNC_CONNECTED","data":{"server":{"host":"h","service":"1","family":"ipv4","websocket":false,"tls":true},"client":{"host":"h","service":"1","family":"ipv4","websocket":false}}}`, "",
			nil, []string{"data.server.tls"}},
		{"data not an object", `{"event":"STOP","data":[1]}`, "", []string{"data: want object, got array"}, nil},
		{"own event", `{"event":"QMPWATCH_RECONNECTED","data":{"reason":"r","gap":"2s"}}`, "",
			[]string{`data.gap: want number, got string "2s"`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ck := Builtin().Validate(mustEvent(t, tt.event), v(tt.version))
			if !ck.Checked || ck.Unknown {
				t.Errorf("check = %+v, want checked and known", ck)
			}
			var got []string
			for _, p := range ck.Problems {
				got = append(got, p.String())
			}
			if !reflect.DeepEqual(got, tt.problems) {
				t.Errorf("problems:\n got %q\nwant %q", got, tt.problems)
			}
			if !reflect.DeepEqual(ck.UnknownFields, tt.unknown) {
				t.Errorf("unknown fields: got %q, want %q", ck.UnknownFields, tt.unknown)
			}
		})
	}
}

func TestValidateArrayElements(t *testing.T) {
	c, err := ParseCatalogYAML(map[string][]byte{"t.yaml": []byte(`
events:
  - name: T
    doc: test
    since: "1.0"
    fields:
      - name: list
        doc: d
        type: {array: {object: [{name: n, type: int, doc: d}]}}
      - {name: alt, type: {alternate: [int, str]}, optional: true, doc: d}
`)})
	if err != nil {
		t.Fatal(err)
	}
	ck := c.Validate(mustEvent(t, `{"event":"T","data":{"list":[{"n":1},{"n":true},{}],"alt":false}}`), Version{})
	var got []string
	for _, p := range ck.Problems {
		got = append(got, p.String())
	}
	want := []string{"data.list[1].n: want int, got bool true", "data.list[2].n: missing required field", "data.alt: want int or string, got bool false"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if p := c.Paths(); !reflect.DeepEqual(p, []string{"data.alt", "data.list", "data.list[].n"}) {
		t.Errorf("paths = %q", p)
	}
}

func TestValidateUnknownEvent(t *testing.T) {
	ck := Builtin().Validate(mustEvent(t, `{"event":"FROM_THE_FUTURE","data":{"x":1}}`), v("99.0"))
	if !ck.Checked || !ck.Unknown || len(ck.Problems) != 0 || len(ck.UnknownFields) != 0 {
		t.Errorf("check = %+v", ck)
	}
}

// TestValidateVersions: a field added in 2.x (RESET's guest, 2.10; reason,
// 4.0) is required at 7.2, not at 1.3, and not when the version is unknown.
func TestValidateVersions(t *testing.T) {
	ev := mustEvent(t, `{"event":"RESET","timestamp":{"seconds":1,"microseconds":2}}`)
	for _, tt := range []struct {
		version string
		missing []string
	}{
		{"1.3", nil},
		{"0.14", nil},
		{"", nil},
		{"2.10", []string{"data.guest"}},
		{"3.1", []string{"data.guest"}},
		{"7.2.22", []string{"data.guest", "data.reason"}},
	} {
		ck := Builtin().Validate(ev, v(tt.version))
		var got []string
		for _, p := range ck.Problems {
			if p.Msg != "missing required field" {
				t.Errorf("%s: unexpected %v", tt.version, p)
			}
			got = append(got, p.Path)
		}
		if !reflect.DeepEqual(got, tt.missing) {
			t.Errorf("as %q: missing %q, want %q", tt.version, got, tt.missing)
		}
	}
	// A field as old as its event is required even when the version is unknown.
	ck := Builtin().Validate(mustEvent(t, `{"event":"BLOCK_IO_ERROR","data":{"device":"d","operation":"read"}}`), Version{})
	if len(ck.Problems) != 1 || ck.Problems[0].Path != "data.action" {
		t.Errorf("unknown version: %+v", ck.Problems)
	}
}

func TestValidateNoAllocs(t *testing.T) {
	ev := mustEvent(t, `{"event":"VNC_INITIALIZED","data":{"server":{"host":"127.0.0.1","service":"5900","family":"ipv4","websocket":false,"auth":"none"},"client":{"host":"127.0.0.1","service":"40000","family":"ipv4","websocket":false}},"timestamp":{"seconds":1,"microseconds":2}}`)
	ev.Data()
	c := Builtin()
	ver := v("7.2.22")
	if n := testing.AllocsPerRun(100, func() { c.Validate(ev, ver) }); n != 0 {
		t.Errorf("Validate allocates %v times per clean event, want 0", n)
	}
}

func BenchmarkValidate(b *testing.B) {
	benchValidate(b, `{"event":"BLOCK_IO_ERROR","data":{"device":"","node-name":"n1","operation":"write","action":"stop","nospace":true,"reason":"No space left on device"},"timestamp":{"seconds":1,"microseconds":2}}`, "7.2.22")
}

// benchValidate measures Validate on one clean event, as QEMU version ver.
func benchValidate(b *testing.B, raw, ver string) {
	ev := mustEvent(b, raw)
	ev.Data()
	c := Builtin()
	qemu := v(ver)
	b.ReportAllocs()
	for b.Loop() {
		c.Validate(ev, qemu)
	}
}
