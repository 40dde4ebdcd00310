package track

import "testing"

func TestParseStatus(t *testing.T) {
	for in, want := range map[string]string{
		`{"status": "running", "singlestep": false, "running": true}`:    "running",
		`{"status": "prelaunch", "singlestep": false, "running": false}`: "prelaunch",
		`{"running": false}`: "paused",
		`{"running": true}`:  "running",
	} {
		got, err := ParseStatus([]byte(in))
		if err != nil || got.Status != want {
			t.Errorf("ParseStatus(%s) = %+v, %v; want %s", in, got, err, want)
		}
	}
	if _, err := ParseStatus([]byte(`[1]`)); err == nil {
		t.Errorf("no error for a non-object")
	}
}

func TestStates(t *testing.T) {
	s := NewStates()
	if got := s.Get("a").String(); got != "unknown" {
		t.Errorf("unseeded VM: %q", got)
	}
	s.Seed("a", RunState{Status: "running"})
	steps := []struct {
		name, data, by string
		changed        bool
		want           string
	}{
		{"STOP", "", "", true, "paused"},
		{"RESUME", "", "", true, "running"},
		{"RESET", `{"guest": true, "reason": "guest-reset"}`, "", false, "running"},
		{"SUSPEND", "", "", true, "suspended"},
		{"WAKEUP", "", "", true, "running"},
		{"RTC_CHANGE", `{"offset": 1, "qom-path": "/x"}`, "", false, "running"},
		{"GUEST_PANICKED", `{"action": "pause"}`, "", true, "guest-panicked"},
		{"STOP", "", "GUEST_PANICKED", true, "guest-panicked"},
		{"RESUME", "", "", true, "running"},
		{"SHUTDOWN", `{"guest": true, "reason": "guest-shutdown"}`, "", true, "shutdown (guest-shutdown)"},
		// -no-shutdown: the STOP that follows keeps QEMU's "shutdown".
		{"STOP", "", "", true, "shutdown (guest-shutdown)"},
	}
	for i, st := range steps {
		e := at(t, "a", int64(i), 0, st.name, st.data)
		if changed := s.Observe(e, st.by); changed != st.changed {
			t.Errorf("step %d %s: changed %v", i, st.name, changed)
		}
		if got := s.Get("a").String(); got != st.want {
			t.Errorf("step %d %s: %q, want %q", i, st.name, got, st.want)
		}
	}
	if s.Get("a").By != "STOP" {
		t.Errorf("By %q", s.Get("a").By)
	}
	s.Forget("a")
	if s.Get("a").Status != "" {
		t.Errorf("Forget kept the state")
	}
}
