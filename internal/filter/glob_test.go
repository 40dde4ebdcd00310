package filter

import (
	"strings"
	"testing"
)

func TestGlobs(t *testing.T) {
	g, err := CompileGlobs([]string{"block_job_*", " spice_?NITIALIZED , STOP", "VNC_[CD]*"})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{
		"BLOCK_JOB_READY":      true,
		"block_job_completed":  true,
		"BLOCK_JOB":            false,
		"SPICE_INITIALIZED":    true,
		"SPICE_CONNECTED":      false,
		"STOP":                 true,
		"stop":                 true,
		"STOPPED":              false,
		"VNC_CONNECTED":        true,
		"VNC_DISCONNECTED":     true,
		"VNC_INITIALIZED":      false,
		"JOB_STATUS_CHANGE":    false,
		"XBLOCK_JOB_COMPLETED": false,
	} {
		if got := g.Match(name); got != want {
			t.Errorf("Match(%s) = %v, want %v", name, got, want)
		}
	}
	if got := strings.Join(g.List(), " "); got != "STOP BLOCK_JOB_* SPICE_?NITIALIZED VNC_[CD]*" {
		t.Errorf("List = %q, want the exact names, then the globs, upper-cased", got)
	}
	if _, err := CompileGlobs([]string{"BLOCK_[JOB"}); err == nil || !strings.Contains(err.Error(), "BLOCK_[JOB") {
		t.Errorf("a bad pattern gave %v, want an error naming it", err)
	}
	empty, _ := CompileGlobs([]string{"", " , "})
	if !empty.Empty() || empty.Match("STOP") {
		t.Errorf("empty patterns: Empty %v Match %v", empty.Empty(), empty.Match("STOP"))
	}
}
