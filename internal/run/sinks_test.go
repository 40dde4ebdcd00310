package run

import (
	"context"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
)

// TestSinksNotAskedFor: without --exec, --otlp or --publish nothing is
// started and the pipeline gets no hook.
func TestSinksNotAskedFor(t *testing.T) {
	s, _, _ := iostreams.Test("")
	if eng := SinkExec(s, &cmdutil.ExecOptions{}, "h", nil); eng != nil {
		t.Errorf("SinkExec without --exec = %v", eng)
	}
	if eng := sinkActions(s, &cmdutil.ExecOptions{}, nil); eng != nil {
		t.Errorf("sinkActions without actions = %v", eng)
	}
	if h, tee := SinkHook(nil), sinkTee(nil); h != nil || tee != nil {
		t.Errorf("hooks for no engine: %d, %d", len(h), len(tee))
	}
	if pub, err := sinkPublisher(s, &cmdutil.FleetOptions{}); pub != nil || err != nil {
		t.Errorf("sinkPublisher without --publish = %v, %v", pub, err)
	}
	var o SinkOptions
	var eo cmdutil.EventOptions
	stop, err := o.startOTLP(context.Background(), s, &eo)
	if err != nil || len(eo.Sinks) != 0 {
		t.Fatalf("startOTLP without --otlp: %v, %d sinks", err, len(eo.Sinks))
	}
	stop()
}

// TestSinkOTLPBadURL: a bad --otlp URL is a usage error, found by
// validation.
func TestSinkOTLPBadURL(t *testing.T) {
	o := SinkOptions{OTLP: "ftp://collector"}
	if err := o.validateOTLP(); exitcode.Of(err) != exitcode.Usage {
		t.Errorf("validateOTLP(%s) = %v; want a usage error", o.OTLP, err)
	}
}
