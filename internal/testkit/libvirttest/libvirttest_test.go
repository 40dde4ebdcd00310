package libvirttest

import (
	"net"
	"os"
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

// TestStartBesideSystemLibvirtd: a system libvirtd holding
// /run/libvirt/libvirt-sock (here a listener standing in for one, when no
// real one is there) neither stops the private daemon nor meets it.
func TestStartBesideSystemLibvirtd(t *testing.T) {
	if _, err := os.Stat(systemSocket); os.IsNotExist(err) {
		if err := os.MkdirAll("/run/libvirt", 0o755); err != nil {
			t.Skipf("cannot stand in for a system libvirtd: %v", err)
		}
		l, err := net.Listen("unix", systemSocket)
		if err != nil {
			t.Skipf("cannot stand in for a system libvirtd: %v", err)
		}
		t.Cleanup(func() { l.Close() }) // removes the socket
	}
	before, err := os.ReadFile("/etc/libvirt/qemu.conf")
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	d := Start(t)
	if d.Socket == systemSocket || !strings.Contains(d.URI, d.Socket) {
		t.Fatalf("the private daemon answers on %s (URI %s)", d.Socket, d.URI)
	}
	d.Start("lvt-beside")
	if out := d.Virsh("domstate", "lvt-beside"); !strings.Contains(out, "running") {
		t.Fatalf("domstate: %q", out)
	}
	if _, err := os.Stat(systemSocket); err != nil {
		t.Errorf("the system socket is gone: %v", err)
	}
	after, _ := os.ReadFile("/etc/libvirt/qemu.conf")
	if string(after) != string(before) {
		t.Errorf("the system's /etc/libvirt/qemu.conf was changed:\n%s", after)
	}
}
