package main

import (
	"os"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/action"
	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// serveOptions is only what the old validate in serve_config.go reads,
// so that it compiles until it leaves with the config file readers (issue
// 22); serve runs cmdrun.ServeOptions.Validate. Delete both together.
type serveOptions struct {
	cmdutil.EventOptions
	cmdutil.DirOptions
	cmdutil.LibvirtOptions
	cmdutil.FleetOptions
	exec, otlp, listen, tlsCert, tlsKey   string
	share, discardOut, reconnect, markers bool
	forgetAfter                           time.Duration
	socketMode                            os.FileMode
	actions                               []*action.Action
	src                                   source.Spec
	execOptions                           oldExecOptions
}

type oldExecOptions struct{}

func (oldExecOptions) validate(bool) error { return nil }
