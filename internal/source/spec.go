package source

import (
	"os"
	"path/filepath"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/fleet"
	"github.com/qmpwatch/qmpwatch/internal/libvirt"
	"github.com/qmpwatch/qmpwatch/internal/when"
)

// Spec is what a command reads, in one value: every command that watches
// (watch, serve, sessions, jobs, top, status) fills one from its flags,
// calls Validate (no I/O), Resolve (reads the file system: globs, --dir;
// opens nothing), then Open, which opens it all as one Merge. The rules of
// which sources mix are here, once.
type Spec struct {
	// Args are the ADDRESS arguments: socket paths, unix:PATH, tcp:HOST:PORT,
	// globs of sockets, one libvirt URI (with its domains the VMs), and
	// nats:// URLs of the fleet stream.
	Args []string
	// Labelled are addresses with a label of their own (serve's config).
	Labelled []Labelled
	Label    string // --label: the name of the one VM
	Dir      string // --dir: every socket of a folder, now and later
	DirGlob  string // --dir-glob: which sockets of Dir; every one when empty
	Exclude  []string
	// DirFollowSymlinks follows every link to a socket in Dir
	// (--dir-follow-symlinks; see DirOptions.FollowSymlinks).
	DirFollowSymlinks bool
	// Listen is an address QEMU dials (--listen); SocketMode is its unix
	// socket's permissions: whoever can connect can send events under any
	// VM name, so commands give 0600 unless told otherwise.
	Listen     string
	SocketMode os.FileMode
	Reconnect  bool
	Markers    bool
	Domains    []string // --domain: globs of a libvirt URI's domains
	Fleet      Fleet
	// DirPoll is how often Dir is looked at; DefaultDirPoll when zero.
	DirPoll time.Duration

	// Filled by Validate and Resolve.
	sockets []sockArg // the monitors' addresses and globs, in order
	urls    []string  // nats:// Args
	lv      *libvirt.URI
	listen  *conn.Addr
	since   time.Time
	targets []Target
	missing []string
}

// Labelled is an address whose VM gets Label in place of its name (none:
// its own name). They come before Args.
type Labelled struct{ Address, Label string }

// sockArg is one monitor address or glob, parsed.
type sockArg struct {
	raw   string
	addr  conn.Addr
	label string
	glob  bool
}

// Fleet are the reading flags of a nats:// source (docs/fleet.md).
type Fleet struct {
	Host, VM     string // globs of host labels and VM names
	Since        string // when.Parse form
	Durable      string
	Stream       string
	Creds, TLSCA string
	Events       []string // -e globs, as subject filters
}

// DefaultDirPoll is how often --dir looks for sockets that came or went.
const DefaultDirPoll = 250 * time.Millisecond

// The usage messages of a Spec, each written once.
const (
	msgLabelOne     = "--label names one VM: give exactly one ADDRESS and no --dir"
	msgLabelLibvirt = "--label names one VM: with a libvirt URI each domain's name is its label"
	msgLabelFleet   = "--label names one VM; a nats:// source labels VMs <host>/<vm>"
	msgDirLibvirt   = "--dir watches QMP sockets: give it without a libvirt URI"
	msgMixLibvirt   = "give one libvirt URI and no QMP address: its domains are the VMs"
	msgFleetLibvirt = "--durable, --host, --vm and --since read a nats:// source, not a libvirt URI"
	msgDomain       = "--domain needs a libvirt URI (qemu:///system or libvirt)"
)

// IsLibvirt says whether arg names libvirt: a driver URI, but not the fleet
// stream's nats://, which has a scheme too.
func IsLibvirt(arg string) bool { return libvirt.IsURI(arg) && !fleet.IsURL(arg) }

// Validate checks everything that needs no I/O: the addresses, the libvirt
// URI and its domain globs, the fleet URLs and flags (--since through
// when.Parse), the --dir patterns, --listen, and which of them mix. Its
// errors are usage errors (exit 2).
func (s *Spec) Validate() error {
	s.sockets, s.urls, s.lv, s.listen = nil, nil, nil, nil
	rest := s.Labelled
	for _, a := range s.Args {
		if fleet.IsURL(a) {
			s.urls = append(s.urls, a)
		} else {
			rest = append(rest, Labelled{Address: a, Label: s.Label})
		}
	}
	if err := s.validateLibvirt(rest); err != nil {
		return err
	}
	if err := s.validateFleet(); err != nil {
		return err
	}
	if s.lv == nil {
		if err := s.validateSockets(rest); err != nil {
			return err
		}
	}
	if s.Listen != "" {
		a, err := conn.ParseAddr(s.Listen)
		if err != nil {
			return err
		}
		s.listen = &a
	}
	return nil
}

func (s *Spec) validateLibvirt(rest []Labelled) error {
	var args []string
	labelled := false
	for _, a := range rest {
		if a.Label != "" && a.Label != s.Label {
			labelled = true
			continue
		}
		args = append(args, a.Address)
	}
	n := 0
	for _, a := range args {
		if IsLibvirt(a) {
			n++
		}
	}
	if n == 0 {
		if len(s.Domains) > 0 {
			return exitcode.Usagef(msgDomain)
		}
		return nil
	}
	if n != len(args) || n > 1 {
		return exitcode.Usagef(msgMixLibvirt)
	}
	u, err := libvirt.ParseURI(args[0])
	if err != nil {
		return err
	}
	if err := CheckDomainGlobs(s.Domains); err != nil {
		return exitcode.With(exitcode.Usage, err)
	}
	switch {
	case s.Label != "":
		return exitcode.Usagef(msgLabelLibvirt)
	case labelled:
		return exitcode.Usagef("a label names one VM: with a libvirt URI each domain's name is its label")
	case s.Dir != "":
		return exitcode.Usagef(msgDirLibvirt)
	case len(s.urls) == 0 && (s.Fleet.Durable != "" || s.Fleet.Host != "" || s.Fleet.VM != "" || s.Fleet.Since != ""):
		return exitcode.Usagef(msgFleetLibvirt)
	}
	s.lv = &u
	return nil
}

func (s *Spec) validateFleet() error {
	f := &s.Fleet
	if len(s.urls) == 0 {
		for _, x := range []struct{ name, v string }{{"--host", f.Host}, {"--vm", f.VM}, {"--since", f.Since}, {"--durable", f.Durable}} {
			if x.v != "" {
				return exitcode.Usagef("%s reads a nats:// source", x.name)
			}
		}
		return nil
	}
	if s.Label != "" {
		return exitcode.Usagef(msgLabelFleet)
	}
	if f.Durable != "" && len(s.urls) > 1 {
		return exitcode.Usagef("--durable names one consumer: give one nats:// source")
	}
	s.since = time.Time{}
	if f.Since != "" {
		t, err := when.Parse(f.Since, time.Now())
		if err != nil {
			return exitcode.Usagef("--since %w", err)
		}
		s.since = t
	}
	for _, u := range s.urls {
		if err := fleet.CheckURL(u); err != nil {
			return err
		}
	}
	if err := (fleet.Selection{Host: f.Host, VM: f.VM, Events: f.Events}).Validate(); err != nil {
		return exitcode.With(exitcode.Usage, err)
	}
	return nil
}

func (s *Spec) validateSockets(rest []Labelled) error {
	plain := 0
	for _, e := range rest {
		a, err := conn.ParseAddr(e.Address)
		if err != nil {
			return err
		}
		glob := a.IsPattern()
		switch {
		case !glob:
			plain++
		case e.Label != "" && e.Label != s.Label:
			return exitcode.Usagef("label %q names one VM: %s is not one address", e.Label, e.Address)
		default:
			if _, err := filepath.Match(a.Address, ""); err != nil {
				return badPattern(e.Address, err)
			}
		}
		s.sockets = append(s.sockets, sockArg{raw: e.Address, addr: a, label: e.Label, glob: glob})
	}
	// A glob that matches one socket may carry --label: Resolve checks it.
	if s.Label != "" && (s.Dir != "" || len(s.sockets) != 1) {
		return exitcode.Usagef(msgLabelOne)
	}
	if s.Dir == "" {
		return nil
	}
	for _, p := range append([]string{s.DirGlob}, s.Exclude...) {
		if _, err := filepath.Match(p, ""); err != nil {
			return exitcode.Usagef("bad socket pattern %q: %v", p, err)
		}
	}
	return nil
}

// Libvirt is the libvirt URI the Spec reads, if any (after Validate).
func (s *Spec) Libvirt() (libvirt.URI, bool) {
	if s.lv == nil {
		return libvirt.URI{}, false
	}
	return *s.lv, true
}

// HasFleet says whether the Spec reads a nats:// source (after Validate).
func (s *Spec) HasFleet() bool { return len(s.urls) > 0 }

// Single is the one monitor of a Spec that reads exactly one socket, and
// nothing that needs a Merge (a folder, a glob, redials, markers, a
// listener, libvirt or the fleet stream).
func (s *Spec) Single() (conn.Addr, bool) {
	if len(s.sockets) != 1 || s.sockets[0].glob || len(s.Labelled) > 0 || len(s.urls) > 0 || s.lv != nil ||
		s.Dir != "" || s.listen != nil || s.Reconnect || s.Markers {
		return conn.Addr{}, false
	}
	return s.sockets[0].addr, true
}

// Many says whether the stream may hold more than one VM, so that each
// event should name its VM (after Resolve).
func (s *Spec) Many() bool {
	return len(s.targets)+len(s.missing) > 1 || s.Dir != "" || s.lv != nil || s.listen != nil || len(s.urls) > 0
}

// Empty says whether the Spec names nothing to read.
func (s *Spec) Empty() bool {
	return len(s.Args) == 0 && len(s.Labelled) == 0 && s.Dir == "" && s.Listen == ""
}

// dirMatch says whether --dir takes the socket called name.
func (s *Spec) dirMatch(name string) bool {
	if s.DirGlob != "" {
		if ok, _ := filepath.Match(s.DirGlob, name); !ok {
			return false
		}
	}
	for _, x := range s.Exclude {
		if ok, _ := filepath.Match(x, name); ok {
			return false
		}
	}
	return true
}

// badPattern refuses an address glob that does not parse.
func badPattern(arg string, err error) error { return exitcode.Usagef("bad pattern %q: %v", arg, err) }
