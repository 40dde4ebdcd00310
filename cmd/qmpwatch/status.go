package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"time"

	"github.com/fatih/color"
	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

type statusOptions struct {
	output                 string
	color                  string
	greetingTimeout        time.Duration
	dialTimeout            time.Duration
	queryTimeout           time.Duration
	cmdutil.LibvirtOptions // libvirt.go: --domain
}

func newStatusCmd(a *app) *cobra.Command {
	o := &statusOptions{}
	cmd := &cobra.Command{
		Use:         "status ADDRESS...",
		Annotations: cmdutil.Annotate(cmdutil.ArgsAddress),
		Short:       "Print each VM's name, QEMU version and run state, then exit",
		Long: `Connect to each monitor, ask QEMU for the VM's name and run state, print one
line per VM and exit. The state is QEMU's own: running, paused, prelaunch (started
with -S), suspended, shutdown (with -no-shutdown), io-error, watchdog,
guest-panicked, inmigrate, postmigrate, ...

Exit status 1 when any monitor could not be asked; the others are still printed.`,
		Example: `  qmpwatch status /run/vm1.qmp /run/vm2.qmp
  qmpwatch status /run/*.qmp -o json | jq -r 'select(.status != "running") | .vm'
  qmpwatch status qemu:///system   # every libvirt domain: state and reason (docs/libvirt.md)`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStatus(cmd.Context(), a.streams, o, args)
		},
	}
	fs := cmd.Flags()
	cmdutil.AddOutputFlag(fs, &o.output, "output: pretty (aligned columns; table is the same) or json (one object per VM); default pretty on a terminal, json otherwise", "pretty", "json")
	cmdutil.AddColorFlag(fs, &o.color)
	fs.DurationVar(&o.greetingTimeout, "greeting-timeout", 5*time.Second, "how long to wait for QEMU's greeting after connecting")
	fs.DurationVar(&o.dialTimeout, "connect-timeout", 5*time.Second, "how long to wait for the connection")
	cmdutil.AddQueryTimeoutFlag(fs, &o.queryTimeout)
	cmdutil.AddLibvirtFlags(fs, &o.LibvirtOptions)
	return cmd
}

// vmStatus is what status learns of one VM.
type vmStatus struct {
	addr    conn.Addr
	name    string // -name; "" when none
	label   string
	version string
	state   track.RunState
	err     error
}

func runStatus(ctx context.Context, s *iostreams.Streams, o *statusOptions, args []string) error {
	src := source.Spec{Args: args, Domains: o.Domains}
	if err := src.Validate(); err != nil {
		return err
	}
	if u, ok := src.Libvirt(); ok {
		return runLibvirtStatus(ctx, s, o, u)
	}
	addrs := make([]conn.Addr, len(args))
	for i, a := range args {
		addr, err := conn.ParseAddr(a)
		if err != nil {
			return err // coded: a usage error
		}
		addrs[i] = addr
	}
	// Ask every VM at once: a hung monitor costs one timeout, not one each.
	res := make([]vmStatus, len(addrs))
	done := make(chan struct{})
	for i, addr := range addrs {
		go func() {
			res[i] = askStatus(ctx, addr, o)
			done <- struct{}{}
		}()
	}
	for range addrs {
		<-done
	}
	if ctx.Err() != nil {
		return nil
	}
	asJSON := o.output == "json" || (o.output == "" && !s.OutTTY)
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
			out.Write(appendStatusRecord(nil, &r))
			continue
		}
		rows = append(rows, []string{r.label, "QEMU " + r.version, r.state.String(), r.addr.String()})
		states = append(states, r.state.Status)
	}
	if len(rows) > 0 {
		// The VM in bold as pretty output has it, the state in the
		// colour of its kind (faults red, paused and the like yellow).
		pal, _ := cmdutil.Palettes(s, o.color, os.Getenv)
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

func askStatus(ctx context.Context, addr conn.Addr, o *statusOptions) vmStatus {
	r := vmStatus{addr: addr, label: addr.DefaultLabel()}
	c, name, err := source.Open(ctx, addr, conn.Options{DialTimeout: o.dialTimeout, GreetingTimeout: o.greetingTimeout, QueryTimeout: o.queryTimeout}, "")
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

// appendStatusRecord writes {"vm", "name", "address", "qemu", "status",
// "running"} and a newline.
func appendStatusRecord(dst []byte, r *vmStatus) []byte {
	b := render.NewRecord(dst).Str("vm", r.label).Str("name", r.name).Str("address", r.addr.String()).
		Str("qemu", r.version).Str("status", r.state.Status).Bool("running", r.state.Status == "running").Bytes()
	return append(b, '\n')
}
