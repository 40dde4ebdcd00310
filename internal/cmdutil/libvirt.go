package cmdutil

import (
	"github.com/spf13/pflag"

	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// LibvirtOptions are the flags for a libvirt URI in place of an ADDRESS.
type LibvirtOptions struct {
	Domains []string
}

func AddLibvirtFlags(fs *pflag.FlagSet, o *LibvirtOptions) {
	fs.StringArrayVar(&o.Domains, "domain", nil, "with a libvirt URI: only domains whose name matches GLOB (repeatable)")
}

// NoLibvirt refuses a libvirt URI where only a QMP socket will do (what
// would need a QMP command, which qmpwatch never sends through libvirt).
func NoLibvirt(arg, what string) error {
	if !source.IsLibvirt(arg) {
		return nil
	}
	return exitcode.Usagef("%s asks QEMU itself, which qmpwatch never does through libvirt: give the VM a QMP socket for qmpwatch (docs/libvirt.md)", what)
}
