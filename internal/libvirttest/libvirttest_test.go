package libvirttest

import (
	"strings"
	"testing"
)

func TestStartDomain(t *testing.T) {
	d := Start(t)
	d.Start("lvt-probe")
	if out := d.Virsh("domstate", "lvt-probe"); !strings.Contains(out, "running") {
		t.Fatalf("domstate: %q", out)
	}
}
