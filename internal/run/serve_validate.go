package run

import (
	"github.com/qmpwatch/qmpwatch/internal/action"
	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// ServeConfig reads what serve's config file holds besides flags (which
// the config already set): its sources and its actions, each compiled
// with how its runs run. A nil func reads nothing.
type ServeConfig struct {
	Sources func() ([]source.Labelled, error)
	Actions func(action.Run) ([]*action.Action, error)
}

// Validate checks serve's options, and the sources and actions of its
// config, before anything starts; the actions report on ls's stderr.
func (o *ServeOptions) Validate(ls *iostreams.Streams, cfg ServeConfig) error {
	sinks := o.Exec != "" || o.OTLP != ""
	if o.Output == "" && !sinks && (len(o.Events) > 0 || len(o.Excludes) > 0) {
		return exitcode.Usagef("-e and -x choose what -o json writes, --exec runs for and --otlp sends: give -o json, --exec or --otlp")
	}
	if o.Share && o.Dir == "" {
		return exitcode.Usagef("--share takes over the sockets of --dir: give --dir")
	}
	// Without -o json, stdout gets no event: with --exec or --otlp the
	// events still pass the filters; else none is even rendered.
	o.discardOut = o.Output == "" && sinks
	if o.Output == "" && !sinks {
		o.Excludes = []string{"*"}
	}
	o.Output, o.TimeMode, o.Color = "json", "local", "never"
	if (o.TLSCert == "") != (o.TLSKey == "") {
		return exitcode.Usagef("--metrics-tls-cert and --metrics-tls-key go together")
	}
	if o.ForgetAfter <= 0 {
		return exitcode.Usagef("--forget-after must be positive, got %s", o.ForgetAfter)
	}
	var srcs []source.Labelled
	var err error
	if cfg.Sources != nil {
		if srcs, err = cfg.Sources(); err != nil {
			return exitcode.With(exitcode.Usage, err)
		}
	}
	if cfg.Actions != nil {
		if o.actions, err = cfg.Actions(sinkActionRun(ls, &o.ExecOptions, cmdutil.HostLabel(o.HostLabel))); err != nil {
			return exitcode.With(exitcode.Usage, err)
		}
	}
	if err := o.ExecOptions.Validate(o.Exec != "" || len(o.actions) > 0); err != nil {
		return err
	}
	o.src = source.Spec{Args: o.args, Reconnect: o.Reconnect, Markers: o.Markers, Domains: o.Domains,
		Listen: o.Listen, SocketMode: o.SocketMode, Labelled: srcs}
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
	if err := o.src.Resolve(); err != nil {
		return err
	}
	return o.validateOTLP()
}
