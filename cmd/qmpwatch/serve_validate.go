package main

import (
	"github.com/qmpwatch/qmpwatch/internal/action"
	"github.com/qmpwatch/qmpwatch/internal/config"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// validate checks serve's options, sources and actions before anything
// starts, and fills o.src with what serve will watch; run is how the
// actions run.
func (o *serveOptions) validate(configFile string, args []string, run action.Run) error {
	sinks := o.exec != "" || o.otlp != ""
	if o.Output == "" && !sinks && (len(o.Events) > 0 || len(o.Excludes) > 0) {
		return exitcode.Usagef("-e and -x choose what -o json writes, --exec runs for and --otlp sends: give -o json, --exec or --otlp")
	}
	if o.share && o.Dir == "" {
		return exitcode.Usagef("--share takes over the sockets of --dir: give --dir")
	}
	// Without -o json, stdout gets no event: with --exec or --otlp the
	// events still pass the filters; else none is even rendered.
	o.discardOut = o.Output == "" && sinks
	if o.Output == "" && !sinks {
		o.Excludes = []string{"*"}
	}
	o.Output, o.TimeMode, o.Color = "json", "local", "never"
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return exitcode.Usagef("--metrics-tls-cert and --metrics-tls-key go together")
	}
	if o.forgetAfter <= 0 {
		return exitcode.Usagef("--forget-after must be positive, got %s", o.forgetAfter)
	}
	srcs, err := config.ServeSources(configFile)
	if err != nil {
		return exitcode.With(exitcode.Usage, err)
	}
	if o.actions, err = config.ServeActions(configFile, run); err != nil {
		return exitcode.With(exitcode.Usage, err)
	}
	if err := o.execOptions.validate(o.exec != "" || len(o.actions) > 0); err != nil {
		return err
	}
	o.src = source.Spec{Args: args, Reconnect: o.reconnect, Markers: o.markers, Domains: o.Domains,
		Listen: o.listen, SocketMode: o.socketMode}
	for _, c := range srcs {
		o.src.Labelled = append(o.src.Labelled, source.Labelled{Address: c.Address, Label: c.Label})
	}
	o.DirOptions.Fill(&o.src)
	if o.src.Empty() {
		return exitcode.Usagef("nothing to watch: give ADDRESS..., --dir, --listen, or sources in --config")
	}
	if err := o.src.Validate(); err != nil {
		return err
	}
	if err := o.CheckPublish(false); err != nil {
		return err
	}
	return o.src.Resolve()
}
