package version

import (
	"runtime/debug"
	"testing"
)

func TestBuild(t *testing.T) {
	stamped := &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}}
	devel := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}
	for _, c := range []struct {
		name         string
		bi           *debug.BuildInfo
		ldv, ldc     string
		wantV, wantC string
	}{
		{"ldflags win", stamped, "v2.0.0", "abc1234", "v2.0.0", "abc1234"},
		{"go install", stamped, "", "", "v1.4.0", "0123456789ab-dirty"},
		{"go build in a clone without vcs", devel, "", "", "dev", "unknown"},
		{"no build info", nil, "", "", "dev", "unknown"},
	} {
		v, cm := build(c.bi, c.ldv, c.ldc)
		if v != c.wantV || cm != c.wantC {
			t.Errorf("%s: got %q, %q; want %q, %q", c.name, v, cm, c.wantV, c.wantC)
		}
	}
}
