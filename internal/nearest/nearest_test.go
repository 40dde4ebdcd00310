package nearest

import "testing"

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "ab", 2},
		{"output", "output", 0}, {"outptu", "output", 1}, // a swap is one edit
		{"kitten", "sitting", 3}, {"channel_type", "channel-type", 1}, {"STOP", "STPO", 1}, {"reset", "resume", 3},
	} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := Distance(c.b, c.a); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (not symmetric)", c.b, c.a, got, c.want)
		}
	}
}

func TestTypo(t *testing.T) {
	names := []string{"SHUTDOWN", "STOP", "RESUME", "RESET"}
	for got, want := range map[string]string{
		"stpo": "STOP", "SHUTDWON": "SHUTDOWN", "resme": "RESUME",
		"BLOCK_JOB_READY": "", // nothing close: no guess
	} {
		if s := Typo(got, names); s != want {
			t.Errorf("Typo(%q) = %q, want %q", got, s, want)
		}
	}
	if s, d := Word("x", nil); s != "" || d != -1 {
		t.Errorf("Word with no candidates = %q, %d", s, d)
	}
	// Ties go to the candidate that sorts first, whatever the order given.
	if s, _ := Word("ab", []string{"ac", "aa"}); s != "aa" {
		t.Errorf("tie went to %q", s)
	}
}
