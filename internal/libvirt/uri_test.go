package libvirt

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
)

func TestParseURI(t *testing.T) {
	t.Setenv("LIBVIRT_DEFAULT_URI", "")
	cases := []struct{ in, network, address, remote, err string }{
		{in: "qemu:///system", network: "unix", address: "/run/libvirt/libvirt-sock", remote: "qemu:///system"},
		{in: "qemu+unix:///system?socket=/tmp/s", network: "unix", address: "/tmp/s", remote: "qemu:///system"},
		{in: "qemu+tcp://host/system", network: "tcp", address: "host:16509", remote: "qemu:///system"},
		{in: "qemu+tcp://host:1234/system", network: "tcp", address: "host:1234", remote: "qemu:///system"},
		{in: "xen:///system", err: "is not QEMU"},
		{in: "qemu+ssh://host/system", err: "not supported"},
		{in: "qemu:///nowhere", err: "/system or /session"},
		{in: "qemu+tcp:///system", err: "needs a host"},
		{in: "/run/vm.qmp", err: "not a libvirt URI"},
		{in: "qemu://%zz/system", err: "bad libvirt URI"},
	}
	for _, c := range cases {
		u, err := ParseURI(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: got %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		n, a := u.network()
		if n != c.network || a != c.address || u.Remote() != c.remote {
			t.Errorf("%s: %s %s %s", c.in, n, a, u.Remote())
		}
	}
	t.Setenv("LIBVIRT_DEFAULT_URI", "qemu+tcp://h/system")
	if u, err := ParseURI("libvirt"); err != nil || u.String() != "qemu+tcp://h/system" {
		t.Errorf("LIBVIRT_DEFAULT_URI: %v %v", u, err)
	}
	if _, err := ParseURI("tcp:127.0.0.1:4444"); !errors.Is(err, ErrNotURI) {
		t.Errorf("tcp address: %v", err)
	}
}

// TestDefaultURI: `libvirt` is what virsh would connect to: the system
// instance for root, the user's session otherwise; and the errors a user
// meets there say the fix.
func TestDefaultURI(t *testing.T) {
	for euid, want := range map[int]string{0: "qemu:///system", 1000: "qemu:///session"} {
		if got := DefaultURI(euid); got != want {
			t.Errorf("euid %d: %s, want %s", euid, got, want)
		}
	}
	t.Setenv("LIBVIRT_DEFAULT_URI", "")
	if u, err := ParseURI("libvirt"); err != nil || u.String() != DefaultURI(os.Geteuid()) {
		t.Errorf("libvirt: %v %v", u, err)
	}
	session, _ := ParseURI("qemu:///session")
	system, _ := ParseURI("qemu:///system")
	for _, tc := range []struct {
		err  error
		want string
	}{
		{dialError(session, "/run/user/1000/libvirt/libvirt-sock", syscall.ENOENT), "no session libvirtd runs for this user (virsh -c qemu:///session starts one); the system's domains are qemu:///system"},
		{dialError(system, "/run/libvirt/libvirt-sock", syscall.ENOENT), "is libvirtd running?"},
		{callError(system, "connect", errors.New("authentication unavailable: Unable to get system bus connection: Could not connect")), "or watch this user's own domains with qemu:///session"},
	} {
		if !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%v\nwant it to say %q", tc.err, tc.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	if got := Suggest("web2", []string{"web1", "db"}); got != "; did you mean web1?" {
		t.Error(got)
	}
	if got := Suggest("zzzzzz", []string{"web1"}); got != "; defined domains: web1" {
		t.Error(got)
	}
	if got := Suggest("x", nil); got != " (no domain is defined)" {
		t.Error(got)
	}
}
