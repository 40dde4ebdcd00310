package decode

import "testing"

// TestWithVMHost: the subject's VM and host replace whatever the body says,
// once each and last; a body that already agrees is left as it is.
func TestWithVMHost(t *testing.T) {
	const ev = `"event":"STOP","timestamp":{"seconds":1,"microseconds":2}`
	cases := []struct {
		name, raw, want string
		changed         bool
	}{
		{"agrees", `{` + ev + `,"vm":"web1","host":"host-a"}`, `{` + ev + `,"vm":"web1","host":"host-a"}`, false},
		{"other host", `{` + ev + `,"vm":"web1","host":"host-b"}`, `{` + ev + `,"vm":"web1","host":"host-a"}`, true},
		{"other vm first", `{"vm":"db1",` + ev + `,"host":"host-a"}`, `{` + ev + `,"vm":"web1","host":"host-a"}`, true},
		{"twice", `{"host":"host-b",` + ev + `,"vm":"web1","host":"host-a"}`, `{` + ev + `,"vm":"web1","host":"host-a"}`, true},
		{"none", `{` + ev + `}`, `{` + ev + `,"vm":"web1","host":"host-a"}`, true},
		{"not a string", `{` + ev + `,"vm":"web1","host":7}`, `{` + ev + `,"vm":"web1","host":"host-a"}`, true},
		{"spaced", `{ "event": "STOP", "host": "x", "vm": "web1" }`, `{ "event": "STOP","vm":"web1","host":"host-a"}`, true},
		{"nested ones stay", `{` + ev + `,"data":{"vm":"x","host":"y"},"vm":"web1","host":"host-a"}`, `{` + ev + `,"data":{"vm":"x","host":"y"},"vm":"web1","host":"host-a"}`, false},
	}
	for _, c := range cases {
		m, err := ScanMessage([]byte(c.raw))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got, changed := m.WithVMHost("web1", "host-a")
		if string(got) != c.want || changed != c.changed {
			t.Errorf("%s:\n got %s %v\nwant %s %v", c.name, got, changed, c.want, c.changed)
		}
		if string(m.Raw) != c.raw {
			t.Errorf("%s: Raw changed to %s", c.name, m.Raw)
		}
		if _, err := ScanMessage(got); err != nil {
			t.Errorf("%s: result not JSON: %v", c.name, err)
		}
	}
}
