package main

import (
	"bufio"
	"context"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/libvirt"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// libvirtOptions are the flags for a libvirt URI in place of an ADDRESS.
type libvirtOptions struct {
	domains []string
}

func addLibvirtFlags(fs *pflag.FlagSet, o *libvirtOptions) {
	fs.StringArrayVar(&o.domains, "domain", nil, "with a libvirt URI: only domains whose name matches GLOB (repeatable)")
}

// noLibvirt refuses a libvirt URI where only a QMP socket will do (what
// would need a QMP command, which qmpwatch never sends through libvirt).
func noLibvirt(arg, what string) error {
	if !source.IsLibvirt(arg) {
		return nil
	}
	return usageErrorf("%s asks QEMU itself, which qmpwatch never does through libvirt: give the VM a QMP socket for qmpwatch (docs/libvirt.md)", what)
}

// runLibvirtStatus prints one row per defined domain: libvirt's state and
// reason, and libvirt's view of the emulator's version.
func runLibvirtStatus(ctx context.Context, s *Streams, o *statusOptions, u libvirt.URI) error {
	c, err := libvirt.Dial(ctx, u, libvirt.Options{DialTimeout: o.dialTimeout})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	defer c.Close()
	v, err := c.Version()
	if err != nil {
		return err
	}
	doms, err := c.Domains()
	if err != nil {
		return err
	}
	sort.Slice(doms, func(i, j int) bool { return doms[i].Name < doms[j].Name })
	asJSON := o.output == "json" || (o.output == "" && !s.OutTTY)
	out := bufio.NewWriter(s.Out)
	var rows [][]string
	known := make([]string, len(doms))
	for i, d := range doms {
		known[i] = d.Name
	}
	for _, g := range o.domains {
		if _, err := source.FindDomains(doms, []string{g}); err != nil {
			return err
		}
	}
	shown, _ := source.FindDomains(doms, o.domains)
	for _, d := range shown {
		if asJSON {
			out.Write(appendDomainRecord(nil, u, v, d))
			continue
		}
		rows = append(rows, []string{render.Safe(d.Name), "QEMU " + v.String(), d.State.String(), u.String()})
	}
	if len(rows) > 0 {
		out.Write(render.AppendTable(nil, rows))
	}
	return writeErr(out.Flush())
}

// appendDomainRecord is status's json for a domain: the socket record's
// members, plus libvirt's state, reason and whether the domain is active.
func appendDomainRecord(dst []byte, u libvirt.URI, v decode.Version, d libvirt.Domain) []byte {
	b := render.NewRecord(dst).Str("vm", d.Name).Str("name", d.Name).Str("address", u.String()).
		Str("qemu", v.String()).Str("status", d.State.RunStatus()).Bool("running", d.State.State == 1).
		Str("state", d.State.Name()).Str("reason", d.State.ReasonName()).Bytes()
	return append(b, '\n')
}

// completeDomains offers the names of the domains of the libvirt URI on
// the command line (else the default one) for --domain: one read-only
// listing with a short time limit, so that a libvirtd that is not there
// only means no suggestions.
func completeDomains(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	uri := "libvirt"
	for _, a := range args {
		if source.IsLibvirt(a) {
			uri = a
			break
		}
	}
	u, err := libvirt.ParseURI(uri)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := libvirt.Dial(ctx, u, libvirt.Options{DialTimeout: 2 * time.Second})
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer c.Close()
	doms, err := c.Domains()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []string
	for _, d := range doms {
		if strings.HasPrefix(d.Name, toComplete) {
			names = append(names, d.Name)
		}
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}
