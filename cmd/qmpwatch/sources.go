package main

import (
	"context"
	"io"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/libvirt"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/track"
	"github.com/qmpwatch/qmpwatch/internal/trackview"
	"github.com/qmpwatch/qmpwatch/internal/tui"
)

// spec is what the tracking views (sessions, jobs, top; in a pipe or
// full-screen) read: the addresses and globs of args, --dir and
// --reconnect, a libvirt URI, nats:// sources, validated and resolved
// before anything is opened.
func (o *trackOptions) spec(args []string) (*source.Spec, error) {
	src := &source.Spec{Args: args, Label: o.label, Reconnect: o.reconnect, Domains: o.Domains,
		Fleet: o.FleetReadOptions.Spec("", nil)}
	o.DirOptions.Fill(src)
	if err := src.Validate(); err != nil {
		return nil, err
	}
	return src, src.Resolve()
}

// open opens a tracking view's sources as one Merge built with so (the
// feed's options: seeding and polling go through its Attach, on the
// Merge's one connect path); seed gets a libvirt domain's state, which
// libvirt's read API says in place of QEMU's query-status.
func (o *trackOptions) open(ctx context.Context, src *source.Spec, so source.Options, notes io.Writer, seed func(vm string, st track.RunState)) (*source.Opened, error) {
	return src.Open(ctx, source.OpenOptions{Options: so, Libvirt: libvirt.Options{DialTimeout: o.dialTimeout}, Notes: notes, Seed: seed})
}

// connOptions are the tracking views' options for every connection.
func (o *trackOptions) connOptions() conn.Options {
	return conn.Options{DialTimeout: o.dialTimeout, GreetingTimeout: o.greetingTimeout, QueryTimeout: o.queryTimeout}
}

// tuiView is the full-screen view of a tracker view.
func tuiView(v trackview.View) tui.View {
	if _, ok := v.(*trackview.JobsView); ok {
		return tui.Jobs
	}
	return tui.Sessions
}
