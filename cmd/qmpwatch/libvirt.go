package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/fleet"
	"github.com/qmpwatch/qmpwatch/internal/libvirt"
	"github.com/qmpwatch/qmpwatch/internal/pipeline"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// libvirtOptions are the flags for a libvirt URI in place of an ADDRESS.
type libvirtOptions struct {
	domains []string
}

func addLibvirtFlags(fs *pflag.FlagSet, o *libvirtOptions) {
	fs.StringArrayVar(&o.domains, "domain", nil, "with a libvirt URI: only domains whose name matches GLOB (repeatable)")
}

// libvirtArgs says whether the arguments name libvirt (qemu:///system,
// libvirt, …) and parses the URI; a mix with QMP addresses, or more than
// one URI, is a usage error.
func libvirtArgs(args []string, o *libvirtOptions) (libvirt.URI, bool, error) {
	n := 0
	for _, a := range args {
		if isLibvirtArg(a) {
			n++
		}
	}
	if n == 0 {
		if len(o.domains) > 0 {
			return libvirt.URI{}, false, usageErrorf("--domain needs a libvirt URI (qemu:///system or libvirt)")
		}
		return libvirt.URI{}, false, nil
	}
	if n != len(args) || n > 1 {
		return libvirt.URI{}, true, usageErrorf("give one libvirt URI and no QMP address: its domains are the VMs")
	}
	u, err := libvirt.ParseURI(args[0])
	if err != nil {
		return u, true, withCode(exitUsage, err)
	}
	if err := source.CheckDomainGlobs(o.domains); err != nil {
		return u, true, withCode(exitUsage, err)
	}
	return u, true, nil
}

// noLibvirt refuses a libvirt URI where only a QMP socket will do (what
// would need a QMP command, which qmpwatch never sends through libvirt).
func noLibvirt(arg, what string) error {
	if !isLibvirtArg(arg) {
		return nil
	}
	return usageErrorf("%s asks QEMU itself, which qmpwatch never does through libvirt: give the VM a QMP socket for qmpwatch (docs/libvirt.md)", what)
}

// runLibvirtWatch is watch on a libvirt URI: every matching domain is a VM
// of one merged stream, as with many sockets, through the same pipeline.
func runLibvirtWatch(ctx context.Context, s *Streams, o *watchOptions, u libvirt.URI) error {
	switch {
	case o.label != "":
		return usageErrorf("--label names one VM: with a libvirt URI each domain's name is its label")
	case o.dir != "":
		return usageErrorf("--dir watches QMP sockets: give it without a libvirt URI")
	case o.schema == "live":
		return usageErrorf("--schema live asks QEMU for its schema, which qmpwatch never does through libvirt: use auto or builtin")
	}
	ls := s.lockedStderr()
	defer ls.closeStderr() // last: after the publisher has said what it could not send
	var hooks []func(*pipeline.Options)
	if o.durable != "" || o.host != "" || o.vm != "" || o.since != "" {
		return usageErrorf("--durable, --host, --vm and --since read a nats:// source, not a libvirt URI")
	}
	stopOTLP, err := startOTLP(ctx, ls, &o.otlpOptions, &o.eventOptions)
	if err != nil {
		return err
	}
	defer stopOTLP()
	pub, err := startPublishing(ls, &o.fleetOptions)
	if err != nil {
		return err
	}
	if pub != nil {
		defer closePublisher(ctx, pub)
		hooks = append(hooks, func(po *pipeline.Options) { po.Tee = pub.Publish })
	}
	p, err := newPipeline(ls, &o.eventOptions, true, o.record, hooks...)
	if err != nil {
		return err
	}
	defer p.Close()
	mctx, cancel := context.WithCancel(ctx)
	// Attach never runs for a domain (there is no QMP client): events are
	// checked against the builtin catalog as the version libvirt reports,
	// which the source stamps on each.
	m := source.New(mctx, o.withAddresses(mergeOptions(ls, p, &o.multiOptions, conn.Options{})))
	defer func() {
		cancel()
		m.Wait()
	}()
	addLibvirt(m, ls.ErrOut, u, o.domains, o.reconnect, o.dialTimeout, nil)
	m.Seal()
	return p.Run(ctx, m)
}

// trackLibvirt is sessions and jobs on a libvirt URI: the domains are the
// sources of the tracker's Merge, each seeded with libvirt's state of it.
func trackLibvirt(ctx context.Context, ls *Streams, o *trackOptions, u libvirt.URI, t *pipeline.Tracker) error {
	switch {
	case o.label != "":
		return usageErrorf("--label names one VM: with a libvirt URI each domain's name is its label")
	case o.dir != "":
		return usageErrorf("--dir watches QMP sockets: give it without a libvirt URI")
	}
	mctx, cancel := context.WithCancel(ctx)
	// The Tracker's Attach (QEMU's query-status) never runs for a domain:
	// libvirt's read API says the state instead (SeedAtConnect below).
	m := source.New(mctx, t.SourceOptions(func(line string) { fmt.Fprintln(ls.ErrOut, line) }, conn.Options{}))
	defer func() {
		cancel()
		m.Wait()
	}()
	addLibvirt(m, ls.ErrOut, u, o.domains, o.reconnect, o.dialTimeout, t.SeedAtConnect)
	m.Seal()
	return t.Run(ctx, m)
}

// addLibvirt adds the domains of a libvirt URI to m as VMs: each running
// domain that matches globs (all without any), and each that starts later,
// until it stops. seed, when set, gets each domain's run state (libvirt's,
// named as QEMU names it) before its Connected status. A line on errOut
// says when no domain matches yet. The caller seals m.
func addLibvirt(m *source.Merge, errOut io.Writer, u libvirt.URI, globs []string, reconnect bool, dialTimeout time.Duration, seed func(vm string, st track.RunState)) {
	m.Libvirt(source.LibvirtTarget{
		URI:       u,
		Domains:   globs,
		Reconnect: reconnect,
		Conn:      libvirt.Options{DialTimeout: dialTimeout},
		Domain: func(name string, _ decode.Version, st libvirt.State) string {
			if seed != nil {
				seed(name, runStatusOf(st))
			}
			return ", " + st.String()
		},
		Idle: func(v decode.Version) {
			fmt.Fprintf(errOut, "qmpwatch: connected to %s (QEMU %s): no running domain matches yet; waiting for one to start\n", u, v)
		},
	})
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
		if _, err := findDomains(doms, []string{g}); err != nil {
			return err
		}
	}
	shown, _ := findDomains(doms, o.domains)
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

// findDomains keeps the domains that match globs (all without globs); a
// name without wildcards that matches nothing is an error with a hint.
func findDomains(doms []libvirt.Domain, globs []string) ([]libvirt.Domain, error) {
	var out []libvirt.Domain
	names := make([]string, len(doms))
	for i, d := range doms {
		names[i] = d.Name
	}
	for _, d := range doms {
		if source.MatchDomain(globs, d.Name) {
			out = append(out, d)
		}
	}
	if len(out) == 0 && len(globs) == 1 {
		return nil, fmt.Errorf("unknown --domain %s%s", render.Safe(globs[0]), libvirt.Suggest(globs[0], names))
	}
	return out, nil
}

// appendDomainRecord is status's json for a domain: the socket record's
// members, plus libvirt's state, reason and whether the domain is active.
func appendDomainRecord(dst []byte, u libvirt.URI, v decode.Version, d libvirt.Domain) []byte {
	b := render.NewRecord(dst).Str("vm", d.Name).Str("name", d.Name).Str("address", u.String()).
		Str("qemu", v.String()).Str("status", runStatusOf(d.State).Status).Bool("running", d.State.State == 1).
		Str("state", d.State.Name()).Str("reason", d.State.ReasonName()).Bytes()
	return append(b, '\n')
}

// runStatusOf names a libvirt state as QEMU's run state, so that the
// trackers and status's json read the same words as with a socket.
func runStatusOf(st libvirt.State) track.RunState {
	switch st.State {
	case 1, 2:
		return track.RunState{Status: "running"}
	case 3:
		if st.Reason == 5 {
			return track.RunState{Status: "io-error"}
		}
		if st.Reason == 6 {
			return track.RunState{Status: "watchdog"}
		}
		return track.RunState{Status: "paused"}
	case 4:
		return track.RunState{Status: "shutdown"}
	case 6:
		return track.RunState{Status: "guest-panicked"}
	case 7:
		return track.RunState{Status: "suspended"}
	}
	return track.RunState{Status: "shutoff"}
}

// isLibvirtArg says whether an argument names libvirt: a driver URI, but not
// the fleet stream's nats:// (fleet.go), which has a scheme too.
func isLibvirtArg(arg string) bool {
	return libvirt.IsURI(arg) && !fleet.IsURL(arg)
}

// completeDomains offers the names of the domains of the libvirt URI on
// the command line (else the default one) for --domain: one read-only
// listing with a short time limit, so that a libvirtd that is not there
// only means no suggestions.
func completeDomains(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	uri := "libvirt"
	for _, a := range args {
		if isLibvirtArg(a) {
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
