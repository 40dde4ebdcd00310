package main

import (
	"context"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/pipeline"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/tui"
)

// trackSources is the one place where the tracking views (sessions, jobs,
// top; in a pipe or full-screen) turn their command line into sources: the
// addresses and globs of args, --dir and --reconnect, merged into one
// source.Merge built with so (the feed's options: seeding and polling go
// through its Attach, on the Merge's one connect path). A new kind of
// source (a libvirt URI, nats://) is added here, once, for all of them.
// stop ends the sources and waits for them.
func trackSources(ctx context.Context, o *trackOptions, args []string, so source.Options) (m *source.Merge, stop func(), err error) {
	targets, missing, err := expandTargets(args)
	if err != nil {
		return nil, nil, err
	}
	if err := checkDir(o.dir); err != nil {
		return nil, nil, err
	}
	mctx, cancel := context.WithCancel(ctx)
	m = source.New(mctx, so)
	addSources(m, targets, missing, o.label, o.reconnect, o.dir)
	return m, func() {
		cancel()
		m.Wait()
	}, nil
}

// connOptions are the tracking views' options for every connection.
func (o *trackOptions) connOptions() conn.Options {
	return conn.Options{DialTimeout: o.dialTimeout, GreetingTimeout: o.greetingTimeout}
}

// tuiView is the full-screen view of a tracker view.
func tuiView(v pipeline.View) tui.View {
	if _, ok := v.(*pipeline.JobsView); ok {
		return tui.Jobs
	}
	return tui.Sessions
}
