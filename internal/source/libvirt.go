package source

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/libvirt"
	"github.com/qmpwatch/qmpwatch/internal/safe"
)

// LibvirtTarget is one libvirt connection whose domains are sources: each
// running domain that matches is a VM, from its first event until it stops.
type LibvirtTarget struct {
	URI libvirt.URI
	// Domains are name globs; none means every domain. A name without a
	// wildcard must be a defined domain.
	Domains   []string
	Reconnect bool // redial libvirtd with backoff when it goes away
	Conn      libvirt.Options
	// Domain runs when a domain comes up, before its first event, with
	// libvirt's view of the emulator's version; its note goes into the
	// Connected status (e.g. the domain's state).
	Domain func(name string, v decode.Version, st libvirt.State) (note string)
	// Idle, when set, runs after each connect at which no running domain
	// matched, so that the user knows qmpwatch is waiting.
	Idle func(v decode.Version)
}

// Libvirt adds a source that follows every matching domain of a libvirt
// connection.
func (m *Merge) Libvirt(t LibvirtTarget) {
	m.spawn(func() { m.libvirt(t) })
}

func (m *Merge) libvirt(t LibvirtTarget) {
	bo := m.o.Backoff()
	addr := t.URI.String()
	lastErr := ""
	failed := false
	first := true
	defer func() { m.count(failed) }()
	for {
		c, err := libvirt.Dial(m.ctx, t.URI, t.Conn)
		var version decode.Version
		var doms []libvirt.Domain
		if err == nil {
			version, err = c.Version()
		}
		if err == nil {
			doms, err = c.Domains()
		}
		if err == nil && first {
			err = checkDomains(t.Domains, doms)
			if err != nil {
				c.Close()
				failed = true
				m.report(Status{Kind: Unreachable, Addr: addr, Err: err, Failure: true, At: time.Now()})
				return
			}
		}
		if err == nil {
			err = c.Subscribe()
		}
		if err != nil {
			if c != nil {
				c.Close()
			}
			if m.ctx.Err() != nil {
				return
			}
			failed = true
			if err.Error() != lastErr {
				lastErr = err.Error()
				m.report(Status{Kind: Unreachable, Addr: addr, Err: err, Failure: true, Retrying: t.Reconnect, At: time.Now()})
			}
			if !t.Reconnect || !m.sleep(bo.Next()) {
				return
			}
			continue
		}
		first, lastErr, failed = false, "", false
		bo.Reset()
		err = m.libvirtSession(c, t, version, doms)
		c.Close()
		if m.ctx.Err() != nil || !t.Reconnect || !m.sleep(bo.Next()) {
			return
		}
	}
}

// libvirtSession streams one libvirt connection until it ends.
func (m *Merge) libvirtSession(c *libvirt.Client, t LibvirtTarget, v decode.Version, doms []libvirt.Domain) error {
	addr := t.URI.String()
	up := map[string]bool{}
	via := "reconnected to " + addr
	states := map[string]libvirt.State{}
	for _, d := range doms {
		states[d.Name] = d.State
	}
	start := func(name string) bool {
		if up[name] || !MatchDomain(t.Domains, name) {
			return true
		}
		up[name] = true
		st := states[name]
		if st.State == 0 || !st.Running() {
			st = libvirt.State{State: 1, Reason: 1} // a domain that just started: running (booted)
		}
		note := ""
		if t.Domain != nil {
			note = t.Domain(name, v, st)
		}
		return m.domainUp(addr, name, v, note, via)
	}
	for _, d := range doms {
		if d.State.Running() && !start(d.Name) {
			return m.ctx.Err()
		}
	}
	if len(up) == 0 && t.Idle != nil && m.ctx.Err() == nil {
		t.Idle(v)
	}
	for {
		it, err := c.Next(m.ctx)
		if err != nil {
			if m.ctx.Err() != nil {
				return err
			}
			// libvirtd went away: every domain's stream has a gap now.
			if len(up) == 0 {
				// Nobody to tell it of: say it for the connection.
				m.report(Status{Kind: Disconnected, Addr: addr, VM: addr, Err: err, Failure: !errors.Is(err, libvirt.ErrLost), Retrying: t.Reconnect, At: time.Now()})
				return err
			}
			names := make([]string, 0, len(up))
			for name := range up {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				if !m.domainDown(addr, name, err, !errors.Is(err, libvirt.ErrLost), t.Reconnect) {
					return err
				}
			}
			return err
		}
		switch {
		case it.Event != nil:
			if !MatchDomain(t.Domains, it.Event.VM) {
				continue
			}
			// libvirt's view of the emulator is the QEMU that sent it, for
			// the schema check as a greeting's version is for a socket.
			it.Event.QEMU = v
			if !start(it.Event.VM) {
				return m.ctx.Err()
			}
			if m.o.Observe != nil {
				m.o.Observe(it.Event)
			}
			if !m.send(it.Event) {
				return m.ctx.Err()
			}
		case it.Lifecycle != nil:
			l := it.Lifecycle
			switch l.Event {
			case libvirt.Started:
				delete(states, l.Domain)
				if !start(l.Domain) {
					return m.ctx.Err()
				}
			case libvirt.Stopped:
				if !up[l.Domain] {
					continue
				}
				delete(up, l.Domain)
				if !m.domainDown(addr, l.Domain, fmt.Errorf("domain %s", l), l.Reason() == "crashed" || l.Reason() == "failed", false) {
					return m.ctx.Err()
				}
			}
		}
	}
}

// domainUp reports a domain that is now watched: Connected the first time,
// Reconnected (with a marker) when it had gone away.
func (m *Merge) domainUp(addr, name string, v decode.Version, note, via string) bool {
	now := time.Now()
	m.mu.Lock()
	since, back := m.gone[name]
	delete(m.gone, name)
	m.mu.Unlock()
	st := Status{Kind: Connected, Addr: addr, VM: name, Name: name, QEMU: v, Note: note, At: now}
	if back {
		st.Kind, st.Gap = Reconnected, now.Sub(since)
	}
	m.report(st)
	if back && m.o.Markers {
		return m.send(ReconnectedEvent(name, now, via, st.Gap))
	}
	return true
}

// domainDown reports a domain whose stream ended: it stopped, or libvirtd
// went away.
func (m *Merge) domainDown(addr, name string, err error, failure, retrying bool) bool {
	if m.ctx.Err() != nil {
		return false
	}
	now := time.Now()
	m.mu.Lock()
	m.gone[name] = now
	m.mu.Unlock()
	m.report(Status{Kind: Disconnected, Addr: addr, VM: name, Err: err, Failure: failure, Retrying: retrying, At: now})
	if m.o.Markers {
		return m.send(DisconnectedEvent(name, now, Reason(err)))
	}
	return true
}

// MatchDomain says whether name matches any glob (all when there is none).
func MatchDomain(globs []string, name string) bool {
	if len(globs) == 0 {
		return true
	}
	for _, g := range globs {
		if ok, _ := path.Match(g, name); ok {
			return true
		}
	}
	return false
}

// CheckDomainGlobs checks --domain patterns before connecting.
func CheckDomainGlobs(globs []string) error {
	for _, g := range globs {
		if _, err := path.Match(g, ""); err != nil {
			return fmt.Errorf("bad --domain pattern %q: %w", g, err)
		}
	}
	return nil
}

// FindDomains keeps the domains that match globs (all without globs); one
// glob that matches nothing is an error with a hint (status's --domain).
func FindDomains(doms []libvirt.Domain, globs []string) ([]libvirt.Domain, error) {
	var out []libvirt.Domain
	names := make([]string, len(doms))
	for i, d := range doms {
		names[i] = d.Name
	}
	for _, d := range doms {
		if MatchDomain(globs, d.Name) {
			out = append(out, d)
		}
	}
	if len(out) == 0 && len(globs) == 1 {
		return nil, fmt.Errorf("unknown --domain %s%s", safe.String(globs[0]), libvirt.Suggest(globs[0], names))
	}
	return out, nil
}

// checkDomains fails for a --domain name without wildcards that is not a
// defined domain, suggesting the closest one.
func checkDomains(globs []string, doms []libvirt.Domain) error {
	names := make([]string, len(doms))
	for i, d := range doms {
		names[i] = d.Name
	}
	for _, g := range globs {
		if strings.ContainsAny(g, `*?[\`) || contains(names, g) {
			continue
		}
		return fmt.Errorf("unknown --domain %s%s", safe.String(g), libvirt.Suggest(g, names))
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
