package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/spf13/pflag"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/libvirt"
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
		if libvirt.IsURI(a) {
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

// runLibvirtWatch is watch on a libvirt URI: every matching domain is a VM
// of one merged stream, as with many sockets.
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
	p, err := newPipeline(ls, &o.eventOptions, true)
	if err != nil {
		return err
	}
	stopRecording, err := p.startRecording(o.record)
	if err != nil {
		return err
	}
	defer stopRecording()
	mctx, cancel := context.WithCancel(ctx)
	m := source.New(mctx, mergeOptions(ls, p, &o.multiOptions, conn.Options{}))
	defer func() {
		cancel()
		m.Wait()
	}()
	t := libvirtTarget(u, o.domains, o.reconnect, o.dialTimeout, func(name string, v decode.Version, st libvirt.State) string {
		p.schema.setVersion(name, v)
		return ", " + st.String()
	})
	t.Idle = idleNote(ls, u)
	m.Libvirt(t)
	m.Seal()
	return mergedEnd(pump(ctx, p, m, "", ls))
}

func libvirtTarget(u libvirt.URI, domains []string, reconnect bool, timeout time.Duration, up func(string, decode.Version, libvirt.State) string) source.LibvirtTarget {
	return source.LibvirtTarget{URI: u, Domains: domains, Reconnect: reconnect, Conn: libvirt.Options{DialTimeout: timeout}, Domain: up}
}

// idleNote says on stderr that qmpwatch is connected and waits for a
// domain, where a socket would have said "connected to".
func idleNote(s *Streams, u libvirt.URI) func(decode.Version) {
	return func(v decode.Version) {
		fmt.Fprintf(s.ErrOut, "qmpwatch: connected to %s (QEMU %s): no running domain matches yet; waiting for one to start\n", u, v)
	}
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
		out.Write(appendTable(nil, rows))
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
	dst = append(dst, '{')
	dst = appendKey(dst, "vm")
	dst = decode.AppendQuote(dst, d.Name)
	dst = appendKey(dst, "name")
	dst = decode.AppendQuote(dst, d.Name)
	dst = appendKey(dst, "address")
	dst = decode.AppendQuote(dst, u.String())
	dst = appendKey(dst, "qemu")
	dst = decode.AppendQuote(dst, v.String())
	dst = appendKey(dst, "status")
	dst = decode.AppendQuote(dst, runStatusOf(d.State).Status)
	dst = appendKey(dst, "running")
	if d.State.State == 1 {
		dst = append(dst, "true"...)
	} else {
		dst = append(dst, "false"...)
	}
	dst = appendKey(dst, "state")
	dst = decode.AppendQuote(dst, d.State.Name())
	dst = appendKey(dst, "reason")
	dst = decode.AppendQuote(dst, d.State.ReasonName())
	return append(dst, "}\n"...)
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

// libvirtInto feeds sessions/jobs from a libvirt URI: the merged stream of
// every matching domain, with markers so that a domain's end arrives in
// order after its last event.
func libvirtInto(ctx context.Context, s *Streams, o *trackOptions, u libvirt.URI, t tracker, w *trackWriter) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ls := s.lockedStderr()
	q := make(chan srcItem, 256)
	send := func(it srcItem) {
		select {
		case q <- it:
		case <-ctx.Done():
		}
	}
	m := source.New(ctx, source.Options{
		Status:  func(st source.Status) { printStatus(ls.ErrOut, st) },
		Markers: true,
	})
	defer m.Wait()
	defer cancel()
	lt := libvirtTarget(u, o.domains, false, o.dialTimeout, func(name string, _ decode.Version, st libvirt.State) string {
		// Sent before the domain's first event, from the same goroutine.
		rs := runStatusOf(st)
		send(srcItem{vm: name, state: &rs})
		return ", " + st.String()
	})
	lt.Idle = idleNote(ls, u)
	m.Libvirt(lt)
	m.Seal()
	go func() {
		for {
			ev, err := m.Next(ctx)
			if err != nil {
				send(srcItem{ended: true, err: err})
				return
			}
			send(srcItem{vm: ev.VM, ev: ev})
		}
	}()
	if w.live {
		w.dirty = true
		w.flush(t)
	}
	for {
		var it srcItem
		select {
		case it = <-q:
		default:
			if err := w.flush(t); err != nil {
				return err
			}
			select {
			case it = <-q:
			case <-ctx.Done():
				return nil
			}
		}
		switch {
		case it.state != nil:
			w.addVM(it.vm)
			w.states.Seed(it.vm, *it.state)
			w.dirty = true
		case it.ev != nil && it.ev.Name == source.EventDisconnected:
			t.end(it.vm, time.Now(), w)
			w.causes.Forget(it.vm)
			w.dirty = true
		case it.ev != nil && it.ev.Name == source.EventReconnected:
		case it.ev != nil:
			w.feed(t, it.ev)
		case it.ended:
			if ferr := w.flush(t); ferr != nil {
				return ferr
			}
			if ctx.Err() != nil || errors.Is(it.err, context.Canceled) || errors.Is(it.err, source.ErrEnded) {
				return nil
			}
			return mergedEnd(it.err)
		}
	}
}
