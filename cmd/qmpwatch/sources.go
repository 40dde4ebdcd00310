package main

import (
	"context"
	"io"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/pipeline"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/track"
	"github.com/qmpwatch/qmpwatch/internal/tui"
)

// trackSources is the one place where the tracking views (sessions, jobs,
// top; in a pipe or full-screen) turn their command line into sources: the
// addresses and globs of args, --dir and --reconnect, merged into one
// source.Merge built with so (the feed's options: seeding and polling go
// through its Attach, on the Merge's one connect path). A new kind of
// source (a libvirt URI, nats://) is added here, once, for all of them.
// stop ends the sources and waits for them.
func trackSources(ctx context.Context, o *trackOptions, args []string, so source.Options, notes io.Writer, seed func(vm string, st track.RunState)) (m *source.Merge, stop func(), err error) {
	urls, args := splitFleet(args)
	f, err := planFleet(urls, &o.fleetReadOptions, "", nil)
	if err != nil {
		return nil, nil, err
	}
	u, isLibvirt, err := libvirtArgs(args, &o.libvirtOptions)
	if err != nil {
		return nil, nil, err
	}
	var targets []conn.Addr
	var missing []string
	switch {
	case isLibvirt && o.label != "":
		return nil, nil, usageErrorf("--label names one VM: with a libvirt URI each domain's name is its label")
	case isLibvirt && o.dir != "":
		return nil, nil, usageErrorf("--dir watches QMP sockets: give it without a libvirt URI")
	case !isLibvirt:
		if targets, missing, err = expandTargets(args); err != nil {
			return nil, nil, err
		}
		if err := checkDir(&o.dirOptions); err != nil {
			return nil, nil, err
		}
	}
	mctx, cancel := context.WithCancel(ctx)
	m = source.New(mctx, so)
	stop = func() {
		cancel()
		m.Wait()
		f.Close()
	}
	if err := f.open(ctx, m, notes); err != nil {
		stop()
		return nil, nil, err
	}
	if isLibvirt {
		// The feed's Attach (QEMU's query-status) never runs for a domain:
		// libvirt's read API says the state instead (seed).
		addLibvirt(m, notes, u, o.domains, o.reconnect, o.dialTimeout, seed)
		m.Seal()
	} else {
		addSources(m, targets, missing, o.label, o.reconnect, &o.dirOptions)
	}
	return m, stop, nil
}

// connOptions are the tracking views' options for every connection.
func (o *trackOptions) connOptions() conn.Options {
	return conn.Options{DialTimeout: o.dialTimeout, GreetingTimeout: o.greetingTimeout, QueryTimeout: o.queryTimeout}
}

// tuiView is the full-screen view of a tracker view.
func tuiView(v pipeline.View) tui.View {
	if _, ok := v.(*pipeline.JobsView); ok {
		return tui.Jobs
	}
	return tui.Sessions
}
