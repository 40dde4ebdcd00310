package complete

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/libvirt"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

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
