package source

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/fleet"
	"github.com/qmpwatch/qmpwatch/internal/libvirt"
	"github.com/qmpwatch/qmpwatch/internal/safe"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// Resolve does what Validate could not without the file system: it
// expands the globs (qmpwatch does it itself, so that a quoted
// '/run/qemu/*.qmp' works; a glob keeps only sockets) and checks that
// --dir is a folder. It reads, and opens nothing. Call it after Validate.
func (s *Spec) Resolve() error {
	s.targets, s.missing = nil, nil
	if s.lv != nil {
		return nil
	}
	seen := map[string]bool{}
	for _, e := range s.sockets {
		if !e.glob {
			s.addTarget(seen, e.addr, e.label)
			continue
		}
		matches, err := filepath.Glob(e.addr.Address)
		if err != nil {
			return badPattern(e.raw, err)
		}
		n := 0
		for _, path := range matches {
			if fi, err := os.Stat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
				s.addTarget(seen, conn.Addr{Network: "unix", Address: path}, e.label)
				n++
			}
		}
		if n == 0 {
			s.missing = append(s.missing, e.raw)
		}
	}
	if s.Label != "" && len(s.targets)+len(s.missing) != 1 {
		return exitcode.Usagef(msgLabelOne)
	}
	if s.Dir != "" {
		if fi, err := os.Stat(s.Dir); err != nil || !fi.IsDir() {
			return exitcode.Usagef("--dir %s: not a folder", s.Dir)
		}
	}
	return nil
}

func (s *Spec) addTarget(seen map[string]bool, a conn.Addr, label string) {
	if !seen[a.String()] {
		seen[a.String()] = true
		s.targets = append(s.targets, Target{Addr: a, Label: label, Reconnect: s.Reconnect})
	}
}

// Configured are the addresses the Spec dials, as Status.Addr gives them,
// and the globs that matched nothing (after Resolve): /healthz's sources.
func (s *Spec) Configured() []string {
	var out []string
	for _, t := range s.targets {
		out = append(out, t.Addr.String())
	}
	return append(out, s.missing...)
}

// Watchers are the sources whose members come and go (a libvirt URI, the
// --dir folder, the --listen address), by the address their failures are
// reported under.
func (s *Spec) Watchers() []string {
	var out []string
	if s.lv != nil {
		out = append(out, s.lv.String())
	}
	if s.Dir != "" {
		out = append(out, s.Dir)
	}
	if s.listen != nil {
		out = append(out, s.listen.Address)
	}
	return out
}

// OpenOptions are what a command adds to the Merge of its Spec.
type OpenOptions struct {
	Options                 // the Merge's: Status, Conn, Attach, Observe
	Libvirt libvirt.Options // libvirtd's connection
	// Notes gets the lines for the user: a stream being read, a listener
	// ready, no domain running yet.
	Notes io.Writer
	// Seed, when set, gets each libvirt domain's run state before its
	// Connected status (QEMU's query-status never runs for a domain).
	Seed func(vm string, st track.RunState)
}

// Opened is an open Spec: one Merge of every source, and what to close
// after it.
type Opened struct {
	*Merge
	cancel  context.CancelFunc
	readers []*fleet.Reader
	durable bool
	// ListenKept is "" while --listen's socket file is the one made here,
	// else why QEMU cannot connect (for /healthz); nil without --listen.
	ListenKept func() string
}

// Open opens every source of a validated and resolved Spec as one sealed
// Merge. Its errors (a NATS server that refuses, a --listen address that
// cannot be bound) come before any event; what was opened is closed.
func (s *Spec) Open(ctx context.Context, o OpenOptions) (*Opened, error) {
	if o.Notes == nil {
		o.Notes = io.Discard
	}
	mctx, cancel := context.WithCancel(ctx)
	// The tracking views' feeds ask for markers themselves (a session
	// ends at its VM's disconnect marker); --markers puts them in the output.
	o.Options.Markers = o.Options.Markers || s.Markers
	op := &Opened{Merge: New(mctx, o.Options), cancel: cancel, durable: len(s.urls) > 0 && s.Fleet.Durable != ""}
	if err := s.openFleet(ctx, op, o.Notes); err != nil {
		op.Close()
		return nil, err
	}
	if s.lv != nil {
		op.Libvirt(s.libvirtTarget(o))
	}
	for _, pat := range s.missing {
		op.Fail(pat, fmt.Errorf("%s: no socket matches", pat))
	}
	for _, t := range s.targets {
		op.Dial(t)
	}
	if s.Dir != "" {
		poll := s.DirPoll
		if poll == 0 {
			poll = DefaultDirPoll
		}
		op.WatchDirWith(s.Dir, DirOptions{Poll: poll, Reconnect: s.Reconnect, Match: s.dirMatch, FollowSymlinks: s.DirFollowSymlinks})
	}
	if s.listen != nil {
		ln, err := ListenSocket(*s.listen, s.SocketMode)
		if err != nil {
			op.Close()
			return nil, err
		}
		fmt.Fprintf(o.Notes, "qmpwatch: listening on %s for QEMU's connections (%s)\n", safe.String(s.listen.String()), safe.String(ChardevHint(*s.listen)))
		op.Listen(ln)
		op.ListenKept = SocketKept(ln)
	}
	op.Seal()
	return op, nil
}

func (s *Spec) openFleet(ctx context.Context, op *Opened, notes io.Writer) error {
	f := &s.Fleet
	for _, u := range s.urls {
		ro := fleet.ReaderOptions{Access: fleet.Access{URL: u, Creds: f.Creds, TLSCA: f.TLSCA}, Stream: f.Stream,
			Durable: f.Durable, Since: s.since, Selection: fleet.Selection{Host: f.Host, VM: f.VM, Events: f.Events}}
		ro.NewVM, ro.Notes = op.StreamVM(ro.Redacted()), notes
		r, err := fleet.Open(ctx, ro)
		if err != nil {
			return err
		}
		op.readers = append(op.readers, r)
		fmt.Fprintf(notes, "qmpwatch: %s\n", safe.String(fmt.Sprintf("reading stream %s at %s (subjects %s)", ro.Stream, ro.Redacted(), ro.FilterSubject())))
		op.Stream(ro.Redacted(), r)
	}
	return nil
}

func (s *Spec) libvirtTarget(o OpenOptions) LibvirtTarget {
	u := *s.lv
	return LibvirtTarget{
		URI: u, Domains: s.Domains, Reconnect: s.Reconnect, Conn: o.Libvirt,
		Domain: func(name string, _ decode.Version, st libvirt.State) string {
			if o.Seed != nil {
				o.Seed(name, track.RunState{Status: st.RunStatus()})
			}
			return ", " + st.String()
		},
		Idle: func(v decode.Version) {
			fmt.Fprintf(o.Notes, "qmpwatch: connected to %s (QEMU %s): no running domain matches yet; waiting for one to start\n", safe.String(u.String()), v)
		},
	}
}

// Durable says whether the stream acknowledges what was handled (a
// durable nats:// reader): then Handled is the pipeline's Handled hook.
func (op *Opened) Durable() bool { return op.durable }

// Handled tells a durable reader that the engine is done with ev: it
// acknowledges it and the events before it.
func (op *Opened) Handled(ev *decode.Event) {
	for _, r := range op.readers {
		r.Processed(ev)
	}
}

// Close stops every source and waits for them; the fleet readers close
// last, so that a durable one confirms its last acknowledgement.
func (op *Opened) Close() {
	op.cancel()
	op.Wait()
	for _, r := range op.readers {
		r.Close()
	}
}

// ChardevHint is the QEMU option that dials addr (a --listen address).
func ChardevHint(addr conn.Addr) string {
	if addr.Network == "tcp" {
		host, port, _ := net.SplitHostPort(addr.Address)
		return fmt.Sprintf("-chardev socket,id=qmpwatch,host=%s,port=%s,reconnect=5 -mon chardev=qmpwatch,mode=control", host, port)
	}
	return fmt.Sprintf("-chardev socket,id=qmpwatch,path=%s,reconnect=5 -mon chardev=qmpwatch,mode=control", addr.Address)
}
