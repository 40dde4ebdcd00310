package main

import (
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/libvirt"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// serveSource is one entry of the config file's sources list: an address
// (or glob), optionally with the label its VM gets in the metrics.
type serveSource struct {
	Address string `yaml:"address"`
	Label   string `yaml:"label"`
}

// UnmarshalYAML accepts a plain address as well as {address, label}.
func (s *serveSource) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		return n.Decode(&s.Address)
	}
	type plain serveSource
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*s = serveSource(p)
	return nil
}

// configSources reads the sources list of serve's config file; the other
// keys are flags, which bindConfig already set.
func configSources(file string) ([]serveSource, error) {
	if file == "" {
		return nil, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", file, err)
	}
	var cfg struct {
		Sources []serveSource `yaml:"sources"`
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil && err != io.EOF {
		return nil, fmt.Errorf("config %s: %w", file, err)
	}
	for i, s := range cfg.Sources {
		if s.Address == "" {
			return nil, fmt.Errorf("config %s: sources[%d] has no address", file, i)
		}
	}
	return cfg.Sources, nil
}

// servePlan is what serve will watch, and which of it /healthz answers for.
type servePlan struct {
	targets    []source.Target
	missing    []string      // globs that matched nothing
	listen     *conn.Addr    // --listen, nil when none
	dir        *dirOptions   // --dir and its patterns, nil when none
	reconnect  bool          // redial the --dir sockets
	configured []string      // dialled addresses as source.Status.Addr gives them
	watchers   []string      // the --dir folder, the --listen address, a libvirt URI
	libvirt    *libvirt.URI  // a libvirt URI's domains, nil when none
	socketMode os.FileMode   // --listen's socket
	listenKept func() string // "" while --listen's socket file is there
	discardOut bool         // --otlp without -o json: events pass the filters, stdout gets none
}

// planServe checks serve's options and sources before anything starts.
func planServe(configFile string, o *serveOptions, args []string) (*servePlan, error) {
	if o.output == "" && o.otlp == "" && (len(o.events) > 0 || len(o.excludes) > 0) {
		return nil, usageErrorf("-e and -x choose what -o json writes or --otlp sends: give -o json or --otlp")
	}
	// Without -o json, stdout gets no event: with --otlp the events still
	// pass the filters, for the collector; else none is even rendered.
	discardOut := o.output == "" && o.otlp != ""
	if o.output == "" && o.otlp == "" {
		o.excludes = []string{"*"}
	}
	o.output, o.timeMode, o.color = "json", "local", "never"
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return nil, usageErrorf("--metrics-tls-cert and --metrics-tls-key go together")
	}
	if o.forgetAfter <= 0 {
		return nil, usageErrorf("--forget-after must be positive, got %s", o.forgetAfter)
	}
	srcs, err := configSources(configFile)
	if err != nil {
		return nil, withCode(exitUsage, err)
	}
	for _, a := range args {
		srcs = append(srcs, serveSource{Address: a})
	}
	if len(srcs) == 0 && o.dir == "" && o.listen == "" {
		return nil, usageErrorf("nothing to watch: give ADDRESS..., --dir, --listen, or sources in --config")
	}
	plan := &servePlan{socketMode: o.socketMode, discardOut: discardOut}
	var addrs []string
	for _, s := range srcs {
		if s.Label == "" {
			addrs = append(addrs, s.Address)
		}
	}
	if u, ok, err := libvirtArgs(addrs, &o.libvirtOptions); ok || err != nil {
		if err != nil {
			return nil, err
		}
		if len(addrs) != len(srcs) {
			return nil, usageErrorf("a label names one VM: with a libvirt URI each domain's name is its label")
		}
		// Domains come and go: libvirt is watched like a folder, so one
		// that stops does not make /healthz fail.
		plan.libvirt = &u
		plan.watchers = append(plan.watchers, u.String())
		srcs = nil
	}
	for _, s := range srcs {
		targets, missing, err := expandTargets([]string{s.Address})
		if err != nil {
			return nil, err
		}
		if s.Label != "" && (len(targets) != 1 || isGlob(s.Address)) {
			return nil, usageErrorf("label %q names one VM: %s is not one address", s.Label, s.Address)
		}
		for _, t := range targets {
			plan.targets = append(plan.targets, source.Target{Addr: t, Label: s.Label, Reconnect: o.reconnect})
			plan.configured = append(plan.configured, t.String())
		}
		plan.missing = append(plan.missing, missing...)
		plan.configured = append(plan.configured, missing...)
	}
	if err := checkDir(&o.dirOptions); err != nil {
		return nil, err
	}
	if o.dir != "" {
		plan.watchers = append(plan.watchers, o.dir)
		plan.dir, plan.reconnect = &o.dirOptions, o.reconnect
	}
	if o.listen != "" {
		addr, err := conn.ParseAddr(o.listen)
		if err != nil {
			return nil, withCode(exitUsage, err)
		}
		plan.listen = &addr
		// The listener reports its failures under its bare address.
		plan.watchers = append(plan.watchers, plan.listen.Address)
	}
	return plan, nil
}

// start adds the planned sources to m (the caller seals it).
func (plan *servePlan) start(m *source.Merge, s *Streams, o *serveOptions, seed func(string, track.RunState)) error {
	if plan.libvirt != nil {
		addLibvirt(m, s.ErrOut, *plan.libvirt, o.domains, o.reconnect, o.dialTimeout, seed)
	}
	for _, pat := range plan.missing {
		m.Fail(pat, fmt.Errorf("%s: no socket matches", pat))
	}
	for _, t := range plan.targets {
		m.Dial(t)
	}
	if plan.dir != nil {
		plan.dir.watch(m, plan.reconnect)
	}
	if plan.listen != nil {
		// Owner only unless --socket-mode lets QEMU's group in, as for listen.
		ln, err := source.ListenSocket(*plan.listen, plan.socketMode)
		if err != nil {
			return err
		}
		fmt.Fprintf(s.ErrOut, "qmpwatch: listening on %s for QEMU's connections (%s)\n", render.Safe(plan.listen.String()), render.Safe(chardevHint(*plan.listen)))
		m.Listen(ln)
		plan.listenKept = source.SocketKept(ln) // for /healthz
	}
	return nil
}
