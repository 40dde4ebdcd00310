// Package libvirttest starts a private libvirtd (with its virtlogd) for tests
// that need the real thing, defines small TCG domains and drives them with
// virsh. It needs root: libvirt's system instance is what qmpwatch watches.
// The daemons run in a mount namespace of their own where libvirt's fixed
// folders (/run/libvirt, /etc/libvirt, /var/lib/libvirt, /var/log/libvirt,
// /var/cache/libvirt) are folders of the test, so they never meet a system
// libvirtd's socket, config or state; tests reach them through Daemon.URI.
// Under CI=true a libvirt that cannot start fails the test; otherwise the
// test is skipped.
package libvirttest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/testkit/realpart"
)

// systemSocket is the read-write socket of a system libvirtd, which the
// private one leaves alone.
const systemSocket = "/run/libvirt/libvirt-sock"

// privateDirs are libvirt's fixed folders, each a folder of the test (under
// Daemon.root) inside the daemons' mount namespace.
var privateDirs = []string{"/run/libvirt", "/etc/libvirt", "/var/lib/libvirt", "/var/log/libvirt", "/var/cache/libvirt"}

// runDir holds the daemons' pid files, at a fixed place so that a test
// binary killed before its cleanup does not leave daemons nobody can find.
const runDir = "/run/qmpwatch-libvirttest"

// lockFile serialises test binaries: the daemons' pid files have fixed
// paths (runDir), and two libvirtds with QEMUs at once starve a small
// machine.
const lockFile = "/run/qmpwatch-libvirttest.lock"

// qemuConf is what libvirt's QEMU driver needs on a machine without the
// packaged users and security drivers (see REAL-PARTS.md).
const qemuConf = `# written by qmpwatch's libvirttest: QEMU runs as root, unconfined
user = "root"
group = "root"
security_driver = "none"
dynamic_ownership = 0
remember_owner = 0
`

// Daemon is a running private libvirtd.
type Daemon struct {
	t       testing.TB
	Dir     string   // private folder: config, disks, logs
	URI     string   // the libvirt URI of this daemon (its own socket)
	Socket  string   // its read-write socket; the read-only one is Socket+"-ro"
	root    string   // libvirt's folders, short enough for socket paths
	domains []string // defined by the test, undefined at the end
}

// Start starts libvirtd and virtlogd for t and stops them in t.Cleanup.
func Start(t testing.TB) *Daemon {
	t.Helper()
	if err := check(); err != nil {
		missing(t, err)
	}
	unlock, err := lock()
	if err != nil {
		missing(t, err)
	}
	t.Cleanup(unlock)
	d := &Daemon{t: t, Dir: t.TempDir()}
	// t.TempDir holds the test's name: too long for a socket path (108
	// bytes) in some tests.
	if d.root, err = os.MkdirTemp("", "lvt"); err != nil {
		missing(t, err)
	}
	t.Cleanup(func() { os.RemoveAll(d.root) })
	d.Socket = d.private(systemSocket)
	d.URI = "qemu+unix:///system?socket=" + d.Socket
	// Daemons of a run that was killed before its cleanup.
	d.kill("libvirtd.pid")
	d.kill("virtlogd.pid")
	if err := d.prepare(); err != nil {
		missing(t, err)
	}
	if err := d.start(); err != nil {
		d.stop()
		missing(t, fmt.Errorf("%w\n%s", err, d.logTail()))
	}
	t.Cleanup(d.stop)
	return d
}

func missing(t testing.TB, err error) {
	t.Helper()
	realpart.Missing(t, "libvirtd", err)
}

func check() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("needs root to run the system libvirtd")
	}
	for _, p := range []string{"libvirtd", "virtlogd", "virsh", "qemu-img", "qemu-system-x86_64", "unshare", "mount"} {
		if _, err := exec.LookPath(p); err != nil {
			return err
		}
	}
	return nil
}

func lock() (func(), error) {
	f, err := os.OpenFile(lockFile, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// prepare creates the users, groups, folders and qemu.conf settings libvirt
// needs. Each step is idempotent.
func (d *Daemon) prepare() error {
	for _, g := range []string{"kvm", "libvirt-qemu", "libvirt"} {
		if exec.Command("getent", "group", g).Run() != nil {
			if out, err := exec.Command("groupadd", "--system", g).CombinedOutput(); err != nil {
				return fmt.Errorf("groupadd %s: %v: %s", g, err, out)
			}
		}
	}
	if exec.Command("getent", "passwd", "libvirt-qemu").Run() != nil {
		out, err := exec.Command("useradd", "--system", "--no-create-home", "-g", "libvirt-qemu", "-s", "/usr/sbin/nologin", "libvirt-qemu").CombinedOutput()
		if err != nil {
			return fmt.Errorf("useradd libvirt-qemu: %v: %s", err, out)
		}
	}
	// The system folders only need to exist, as mount points.
	for _, dir := range append([]string{runDir}, privateDirs...) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := os.MkdirAll(d.private(dir), 0o755); err != nil {
			return err
		}
	}
	for _, dir := range []string{"/var/log/libvirt/qemu", "/var/lib/libvirt/qemu"} {
		if err := os.MkdirAll(d.private(dir), 0o755); err != nil {
			return err
		}
	}
	if err := os.WriteFile(d.private("/etc/libvirt/qemu.conf"), []byte(qemuConf), 0o644); err != nil {
		return err
	}
	// A private libvirtd.conf: logs go to our folder, nothing listens on
	// TCP, and idle shutdown is off.
	conf := fmt.Sprintf("log_outputs = \"3:file:%s\"\nunix_sock_group = \"root\"\nunix_sock_rw_perms = \"0700\"\n", filepath.Join(d.Dir, "libvirtd.log"))
	return os.WriteFile(filepath.Join(d.Dir, "libvirtd.conf"), []byte(conf), 0o600)
}

// private is where the system path p (under one of privateDirs) is for
// this daemon.
func (d *Daemon) private(p string) string { return filepath.Join(d.root, p) }

func (d *Daemon) start() error {
	if err := d.inNamespace("virtlogd", "-d", "-p", filepath.Join(runDir, "virtlogd.pid")); err != nil {
		return err
	}
	return d.startLibvirtd()
}

// inNamespace runs a daemon in a new mount namespace where privateDirs are
// the test's own folders. The namespace lives as long as the daemon.
func (d *Daemon) inNamespace(daemon string, args ...string) error {
	script := ""
	for _, dir := range privateDirs {
		script += fmt.Sprintf("mount --bind %q %q && ", d.private(dir), dir)
	}
	script += `exec "$@"`
	cmd := exec.Command("unshare", append([]string{"--mount", "--propagation", "private", "sh", "-c", script, "sh", daemon}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v: %s", daemon, err, out)
	}
	return nil
}

func (d *Daemon) startLibvirtd() error {
	if err := d.inNamespace("libvirtd", "-d", "-f", filepath.Join(d.Dir, "libvirtd.conf"), "-p", filepath.Join(runDir, "libvirtd.pid")); err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if exec.Command("virsh", "-c", d.URI, "version").Run() == nil {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("libvirtd did not answer on %s within 30s", d.URI)
}

// Restart stops libvirtd (leaving the domains running) and starts it again.
func (d *Daemon) Restart() {
	d.t.Helper()
	d.kill("libvirtd.pid")
	if err := d.startLibvirtd(); err != nil {
		d.t.Fatalf("restart libvirtd: %v", err)
	}
}

// stop destroys and undefines the domains the test defined, then stops
// both daemons.
func (d *Daemon) stop() {
	for _, name := range d.domains {
		exec.Command("virsh", "-c", d.URI, "destroy", name).Run()
		exec.Command("virsh", "-c", d.URI, "undefine", name).Run()
	}
	d.kill("libvirtd.pid")
	d.kill("virtlogd.pid")
}

// kill stops the daemon of pidFile, if it is still that daemon.
func (d *Daemon) kill(pidFile string) {
	path := filepath.Join(runDir, pidFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	var pid int
	if _, err := fmt.Sscan(string(b), &pid); err != nil || pid <= 1 {
		return
	}
	comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if name := strings.TrimSpace(string(comm)); name != strings.TrimSuffix(pidFile, ".pid") {
		os.Remove(path) // a stale file: the pid is someone else's now
		return
	}
	syscall.Kill(pid, syscall.SIGTERM)
	for i := 0; i < 100 && syscall.Kill(pid, 0) == nil; i++ {
		time.Sleep(100 * time.Millisecond)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	os.Remove(path)
}

func (d *Daemon) logTail() string {
	b, _ := os.ReadFile(filepath.Join(d.Dir, "libvirtd.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// Virsh runs virsh on the private daemon and fails the test on error.
func (d *Daemon) Virsh(args ...string) string {
	d.t.Helper()
	out, err := d.TryVirsh(args...)
	if err != nil {
		d.t.Fatalf("virsh %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return out
}

// TryVirsh runs virsh and returns its combined output and error.
func (d *Daemon) TryVirsh(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "virsh", append([]string{"-c", d.URI}, args...)...).CombinedOutput()
	return string(out), err
}
