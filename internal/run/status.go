package run

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/fatih/color"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/libvirt"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/safe"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// StatusOptions are status's flags and its ADDRESS arguments.
type StatusOptions struct {
	Output          string
	Color           string
	GreetingTimeout time.Duration
	DialTimeout     time.Duration
	QueryTimeout    time.Duration
	cmdutil.LibvirtOptions
	Args []string

	// Filled by Validate: the monitors, or the libvirt URI.
	addrs []conn.Addr
	lv    *libvirt.URI
}

// Complete takes the arguments.
func (o *StatusOptions) Complete(args []string) { o.Args = args }

// Validate checks the addresses (or the libvirt URI and its --domain
// globs) before any is dialled.
func (o *StatusOptions) Validate() error {
	o.addrs, o.lv = nil, nil
	src := source.Spec{Args: o.Args, Domains: o.Domains}
	if err := src.Validate(); err != nil {
		return err
	}
	if u, ok := src.Libvirt(); ok {
		o.lv = &u
		return nil
	}
	for _, a := range o.Args {
		addr, err := conn.ParseAddr(a)
		if err != nil {
			return err // coded: a usage error
		}
		o.addrs = append(o.addrs, addr)
	}
	return nil
}

// statusVM is what status learns of one VM.
type statusVM struct {
	addr    conn.Addr
	name    string // -name; "" when none
	label   string
	version string
	state   track.RunState
	err     error
}

// Status prints each VM's name, QEMU version and run state; with a
// libvirt URI, every domain's.
func Status(ctx context.Context, s *iostreams.Streams, o *StatusOptions) error {
	if o.lv != nil {
		return statusLibvirt(ctx, s, o, *o.lv)
	}
	// Ask every VM at once: a hung monitor costs one timeout, not one each.
	res := make([]statusVM, len(o.addrs))
	done := make(chan struct{})
	for i, addr := range o.addrs {
		go func() {
			res[i] = statusAsk(ctx, addr, o)
			done <- struct{}{}
		}()
	}
	for range o.addrs {
		<-done
	}
	if ctx.Err() != nil {
		return nil
	}
	asJSON := o.Output == "json" || (o.Output == "" && !s.OutTTY)
	out := bufio.NewWriter(s.Out)
	var rows [][]string
	var states []string
	failed := false
	for _, r := range res {
		if r.err != nil {
			failed = true
			fmt.Fprintf(s.ErrOut, "qmpwatch: %s\n", cmdutil.SafeLines(r.err.Error()))
			continue
		}
		if asJSON {
			out.Write(statusAppendRecord(nil, &r))
			continue
		}
		rows = append(rows, []string{r.label, "QEMU " + r.version, r.state.String(), r.addr.String()})
		states = append(states, r.state.Status)
	}
	if len(rows) > 0 {
		// The VM in bold as pretty output has it, the state in the
		// colour of its kind (faults red, paused and the like yellow).
		pal, _ := cmdutil.Palettes(s, o.Color, os.Getenv)
		out.Write(render.AppendStyledTable(nil, rows, &pal, func(row, col int, _ string) *color.Color {
			switch col {
			case 0:
				return pal.Bold
			case 2:
				return pal.ForState(states[row])
			}
			return nil
		}))
	}
	if err := exitcode.WriteErr(out.Flush()); err != nil {
		return err
	}
	if failed {
		return exitcode.Reported{Code: exitcode.Error}
	}
	return nil
}

func statusAsk(ctx context.Context, addr conn.Addr, o *StatusOptions) statusVM {
	r := statusVM{addr: addr, label: addr.DefaultLabel()}
	c, name, err := source.Open(ctx, addr, conn.Options{DialTimeout: o.DialTimeout, GreetingTimeout: o.GreetingTimeout, QueryTimeout: o.QueryTimeout}, "")
	if err != nil {
		r.err = err
		return r
	}
	defer c.Close()
	r.version = c.Greeting().Version.String()
	r.name, r.label = name, c.Label()
	r.state, r.err = source.QueryRunState(c)
	return r
}

// statusAppendRecord writes {"vm", "name", "address", "qemu", "status",
// "running"} and a newline.
func statusAppendRecord(dst []byte, r *statusVM) []byte {
	b := render.NewRecord(dst).Str("vm", r.label).Str("name", r.name).Str("address", r.addr.String()).
		Str("qemu", r.version).Str("status", r.state.Status).Bool("running", r.state.Status == "running").Bytes()
	return append(b, '\n')
}

// statusLibvirt prints one row per defined domain: libvirt's state and
// reason, and libvirt's view of the emulator's version.
func statusLibvirt(ctx context.Context, s *iostreams.Streams, o *StatusOptions, u libvirt.URI) error {
	c, err := libvirt.Dial(ctx, u, libvirt.Options{DialTimeout: o.DialTimeout})
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
	// Each --domain must match a domain of its own.
	for _, g := range o.Domains {
		if _, err := source.FindDomains(doms, []string{g}); err != nil {
			return err
		}
	}
	shown, _ := source.FindDomains(doms, o.Domains)
	asJSON := o.Output == "json" || (o.Output == "" && !s.OutTTY)
	out := bufio.NewWriter(s.Out)
	var rows [][]string
	for _, d := range shown {
		if asJSON {
			out.Write(statusAppendDomain(nil, u, v, d))
			continue
		}
		rows = append(rows, []string{safe.String(d.Name), "QEMU " + v.String(), d.State.String(), u.String()})
	}
	if len(rows) > 0 {
		out.Write(render.AppendTable(nil, rows))
	}
	return exitcode.WriteErr(out.Flush())
}

// statusAppendDomain is status's json for a domain: the socket record's
// members, plus libvirt's state, reason and whether the domain is active.
func statusAppendDomain(dst []byte, u libvirt.URI, v decode.Version, d libvirt.Domain) []byte {
	b := render.NewRecord(dst).Str("vm", d.Name).Str("name", d.Name).Str("address", u.String()).
		Str("qemu", v.String()).Str("status", d.State.RunStatus()).Bool("running", d.State.State == 1).
		Str("state", d.State.Name()).Str("reason", d.State.ReasonName()).Bytes()
	return append(b, '\n')
}
