package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
)

// Validate refuses, with exit code 2 and without any I/O, every mix of
// sources that cannot be read together, and says why once.
func TestSpecValidateRefuses(t *testing.T) {
	for _, c := range []struct {
		s    Spec
		want string
	}{
		{Spec{Args: []string{"a.qmp", "b.qmp"}, Label: "x"}, "--label names one VM: give exactly one ADDRESS and no --dir"},
		{Spec{Args: []string{"a.qmp"}, Label: "x", Dir: "."}, "--label names one VM"},
		{Spec{Args: []string{"qemu:///system"}, Label: "x"}, "with a libvirt URI each domain's name is its label"},
		{Spec{Args: []string{"qemu:///system"}, Dir: "."}, "--dir watches QMP sockets"},
		{Spec{Args: []string{"qemu:///system", "a.qmp"}}, "give one libvirt URI and no QMP address"},
		{Spec{Args: []string{"qemu:///system", "qemu:///session"}}, "give one libvirt URI"},
		{Spec{Args: []string{"qemu:///system"}, Fleet: Fleet{Since: "1h"}}, "read a nats:// source, not a libvirt URI"},
		{Spec{Args: []string{"a.qmp"}, Domains: []string{"web"}}, "--domain needs a libvirt URI"},
		{Spec{Args: []string{"qemu:///system"}, Domains: []string{"["}}, "bad --domain pattern"},
		{Spec{Args: []string{"a.qmp"}, Fleet: Fleet{Host: "h"}}, "--host reads a nats:// source"},
		{Spec{Args: []string{"nats://127.0.0.1:4222"}, Label: "x"}, "a nats:// source labels VMs <host>/<vm>"},
		{Spec{Args: []string{"nats://127.0.0.1:4222"}, Fleet: Fleet{Since: "not-a-time"}}, `--since "not-a-time" is not a time`},
		{Spec{Args: []string{"nats://a:1", "nats://b:1"}, Fleet: Fleet{Durable: "d"}}, "--durable names one consumer"},
		{Spec{Args: []string{"nats://127.0.0.1:99999"}}, "bad NATS URL"},
		{Spec{Args: []string{"nats://127.0.0.1:4222"}, Fleet: Fleet{VM: "["}}, "--vm"},
		{Spec{Args: []string{"tcp:nope"}}, "bad TCP address"},
		{Spec{Args: []string{"/run/[.qmp"}}, "bad pattern"},
		{Spec{Dir: ".", DirGlob: "["}, "bad socket pattern"},
		{Spec{Labelled: []Labelled{{Address: "/run/*.qmp", Label: "db"}}}, `label "db" names one VM: /run/*.qmp is not one address`},
		{Spec{Args: []string{"qemu:///system"}, Labelled: []Labelled{{Address: "a.qmp", Label: "db"}}}, "a label names one VM"},
		{Spec{Listen: "tcp:"}, "bad TCP address"},
	} {
		err := c.s.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) || exitcode.Of(err) != exitcode.Usage {
			t.Errorf("%+v: %v (exit %d); want exit 2 with %q", c.s, err, exitcode.Of(err), c.want)
		}
	}
}

// What Validate accepts, and what the Spec then says about itself.
func TestSpecValidateAccepts(t *testing.T) {
	for _, c := range []struct {
		s            Spec
		single, many bool
	}{
		{Spec{Args: []string{"a.qmp"}, Label: "x"}, true, false},
		{Spec{Args: []string{"a.qmp"}, Reconnect: true}, false, false},
		{Spec{Args: []string{"a.qmp", "tcp:127.0.0.1:4444"}}, false, true},
		{Spec{Args: []string{"qemu:///system"}, Domains: []string{"web*"}}, false, true},
		{Spec{Args: []string{"nats://127.0.0.1:4222"}, Fleet: Fleet{Since: "1d12h", Durable: "d"}}, false, true},
		{Spec{Args: []string{"nats://127.0.0.1:4222", "a.qmp", "b.qmp"}}, false, true},
		{Spec{Listen: "tcp:127.0.0.1:0"}, false, true},
	} {
		if err := c.s.Validate(); err != nil {
			t.Errorf("%+v: %v", c.s, err)
			continue
		}
		if err := c.s.Resolve(); err != nil {
			t.Errorf("%+v: Resolve: %v", c.s, err)
			continue
		}
		if _, single := c.s.Single(); single != c.single || c.s.Many() != c.many {
			t.Errorf("%+v: Single %v, Many %v; want %v, %v", c.s, single, c.s.Many(), c.single, c.many)
		}
	}
}

// Resolve expands globs to sockets only, keeps a glob that matches nothing
// as a failed source, and checks --dir and a label on a glob.
func TestSpecResolve(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.qmp", "b.qmp"} {
		ln, err := ListenSocket(mustAddr(t, filepath.Join(dir, n)), 0o600)
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
	}
	if err := os.WriteFile(filepath.Join(dir, "c.qmp"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s := Spec{Args: []string{filepath.Join(dir, "*.qmp"), filepath.Join(dir, "none-*.qmp")}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := s.Resolve(); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(s.Configured(), " ")
	want := filepath.Join(dir, "a.qmp") + " " + filepath.Join(dir, "b.qmp") + " " + filepath.Join(dir, "none-*.qmp")
	if got != want {
		t.Errorf("Configured %q, want %q", got, want)
	}
	s = Spec{Args: []string{filepath.Join(dir, "*.qmp")}, Label: "x"}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := s.Resolve(); err == nil || !strings.Contains(err.Error(), "--label names one VM") {
		t.Errorf("a label on a glob of two sockets: %v", err)
	}
	s = Spec{Dir: filepath.Join(dir, "c.qmp")}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := s.Resolve(); err == nil || !strings.Contains(err.Error(), "not a folder") || exitcode.Of(err) != exitcode.Usage {
		t.Errorf("--dir on a file: %v", err)
	}
}

func mustAddr(t *testing.T, s string) conn.Addr {
	t.Helper()
	a, err := conn.ParseAddr(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
