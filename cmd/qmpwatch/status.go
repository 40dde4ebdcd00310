package main

import (
	"bufio"
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// queryRunState asks QEMU for the VM's run state.
func queryRunState(c *conn.Client) (track.RunState, error) {
	raw, err := c.Query("query-status", nil)
	if err != nil {
		return track.RunState{}, err
	}
	st, err := track.ParseStatus(raw)
	if err != nil {
		return st, fmt.Errorf("%s: %w", c.Addr(), err)
	}
	return st, nil
}

// observeCause sets ev.Cause when the event is a documented follow-up of
// an earlier event of its VM (a STOP after a BLOCK_IO_ERROR with action
// stop), for the pretty output and for json --annotate.
func (p *pipeline) observeCause(ev *decode.Event) {
	if p.causes == nil {
		p.causes = track.NewCauses(decode.Builtin())
	}
	p.causes.Observe(ev)
}

// runStateNote is the run state for watch's connect line, ", running", or
// "" when QEMU would not say: the state is a courtesy there, not a reason to
// give up watching. A broken or closed monitor is not lost either: the
// client reports it from Next, after the events that came before it.
func runStateNote(c *conn.Client) (string, error) {
	st, err := queryRunState(c)
	if err != nil {
		return "", nil
	}
	return ", " + render.Safe(st.String()), nil
}

type statusOptions struct {
	output          string
	greetingTimeout time.Duration
	dialTimeout     time.Duration
	libvirtOptions  // libvirt.go: --domain
}

func newStatusCmd(a *app) *cobra.Command {
	o := &statusOptions{}
	cmd := &cobra.Command{
		Use:   "status ADDRESS...",
		Short: "Print each VM's name, QEMU version and run state, then exit",
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
	fs.VarP(newEnum(&o.output, "", "pretty", "json", "table"), "output", "o", "output: pretty (aligned columns; table is the same) or json (one object per VM)")
	fs.DurationVar(&o.greetingTimeout, "greeting-timeout", 5*time.Second, "how long to wait for QEMU's greeting after connecting")
	fs.DurationVar(&o.dialTimeout, "connect-timeout", 5*time.Second, "how long to wait for the connection")
	addLibvirtFlags(fs, &o.libvirtOptions)
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

func runStatus(ctx context.Context, s *Streams, o *statusOptions, args []string) error {
	if u, ok, err := libvirtArgs(args, &o.libvirtOptions); ok || err != nil {
		if err != nil {
			return err
		}
		return runLibvirtStatus(ctx, s, o, u)
	}
	addrs := make([]conn.Addr, len(args))
	for i, a := range args {
		addr, err := conn.ParseAddr(a)
		if err != nil {
			return withCode(exitUsage, err)
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
	failed := false
	for _, r := range res {
		if r.err != nil {
			failed = true
			fmt.Fprintf(s.ErrOut, "qmpwatch: %s\n", r.err)
			continue
		}
		if asJSON {
			out.Write(appendStatusRecord(nil, &r))
			continue
		}
		rows = append(rows, []string{r.label, "QEMU " + r.version, r.state.String(), r.addr.String()})
	}
	if len(rows) > 0 {
		out.Write(appendTable(nil, rows))
	}
	if err := writeErr(out.Flush()); err != nil {
		return err
	}
	if failed {
		return errReported{code: exitError}
	}
	return nil
}

func askStatus(ctx context.Context, addr conn.Addr, o *statusOptions) vmStatus {
	r := vmStatus{addr: addr, label: addr.DefaultLabel()}
	c, err := conn.Dial(ctx, addr, conn.Options{DialTimeout: o.dialTimeout, GreetingTimeout: o.greetingTimeout})
	if err != nil {
		r.err = err
		return r
	}
	defer c.Close()
	r.version = c.Greeting().Version.String()
	if r.name, r.err = c.VMName(); r.err != nil {
		return r
	}
	if r.name != "" {
		r.label = r.name
	}
	r.state, r.err = queryRunState(c)
	return r
}

// appendStatusRecord writes {"vm", "name", "address", "qemu", "status",
// "running"} and a newline.
func appendStatusRecord(dst []byte, r *vmStatus) []byte {
	dst = append(dst, '{')
	dst = appendKey(dst, "vm")
	dst = decode.AppendQuote(dst, r.label)
	dst = appendKey(dst, "name")
	dst = decode.AppendQuote(dst, r.name)
	dst = appendKey(dst, "address")
	dst = decode.AppendQuote(dst, r.addr.String())
	dst = appendKey(dst, "qemu")
	dst = decode.AppendQuote(dst, r.version)
	dst = appendKey(dst, "status")
	dst = decode.AppendQuote(dst, r.state.Status)
	dst = appendKey(dst, "running")
	if r.state.Status == "running" {
		dst = append(dst, "true"...)
	} else {
		dst = append(dst, "false"...)
	}
	return append(dst, "}\n"...)
}
