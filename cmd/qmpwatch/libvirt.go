package main

import (
	"bufio"
	"context"
	"sort"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/libvirt"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// runLibvirtStatus prints one row per defined domain: libvirt's state and
// reason, and libvirt's view of the emulator's version.
func runLibvirtStatus(ctx context.Context, s *iostreams.Streams, o *statusOptions, u libvirt.URI) error {
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
	for _, g := range o.Domains {
		if _, err := source.FindDomains(doms, []string{g}); err != nil {
			return err
		}
	}
	shown, _ := source.FindDomains(doms, o.Domains)
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
	return exitcode.WriteErr(out.Flush())
}

// appendDomainRecord is status's json for a domain: the socket record's
// members, plus libvirt's state, reason and whether the domain is active.
func appendDomainRecord(dst []byte, u libvirt.URI, v decode.Version, d libvirt.Domain) []byte {
	b := render.NewRecord(dst).Str("vm", d.Name).Str("name", d.Name).Str("address", u.String()).
		Str("qemu", v.String()).Str("status", d.State.RunStatus()).Bool("running", d.State.State == 1).
		Str("state", d.State.Name()).Str("reason", d.State.ReasonName()).Bytes()
	return append(b, '\n')
}
