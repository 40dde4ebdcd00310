package libvirttest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Domain is a small defined domain: TCG, 64 MiB, one vCPU, a qcow2 disk on
// virtio (vda), an empty IDE CD-ROM (hdc) and VNC on 127.0.0.1.
type Domain struct {
	Name string
	Disk string // the qcow2 image of vda
	d    *Daemon
}

// Define creates the disk and defines the domain name, without starting it.
func (d *Daemon) Define(name string) *Domain {
	d.t.Helper()
	disk := filepath.Join(d.Dir, name+".qcow2")
	if out, err := exec.Command("qemu-img", "create", "-q", "-f", "qcow2", disk, "64M").CombinedOutput(); err != nil {
		d.t.Fatalf("qemu-img: %v: %s", err, out)
	}
	xml := filepath.Join(d.Dir, name+".xml")
	if err := os.WriteFile(xml, []byte(domainXML(name, disk)), 0o600); err != nil {
		d.t.Fatal(err)
	}
	// A run that died before its cleanup leaves its definitions behind.
	if _, err := d.TryVirsh("dominfo", name); err == nil {
		d.TryVirsh("destroy", name)
		d.TryVirsh("undefine", name)
	}
	d.Virsh("define", xml)
	d.domains = append(d.domains, name)
	return &Domain{Name: name, Disk: disk, d: d}
}

// Start defines and starts a domain.
func (d *Daemon) Start(name string) *Domain {
	d.t.Helper()
	dom := d.Define(name)
	d.Virsh("start", name)
	return dom
}

func domainXML(name, disk string) string {
	return fmt.Sprintf(`<domain type='qemu'>
  <name>%s</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <on_reboot>restart</on_reboot>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='%s'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>
    <graphics type='vnc' listen='127.0.0.1' autoport='yes'/>
  </devices>
</domain>
`, name, disk)
}
