package main

import (
	"context"
	"strings"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/testkit/conntest"
)

// Issue 12 item 5 with scripted hostile monitors: the texts a monitor
// chooses (error class and description, a live schema's names) reach
// neither stdout nor stderr raw, in any command.
func TestHostileMonitorTextsEscaped(t *testing.T) {
	evil := conntest.TitleSpoof + conntest.CSI8 + conntest.BidiSpoof
	refuse := func(cmd string) conntest.Script {
		return func(p *conntest.Peer) error {
			if err := p.Greet(); err != nil {
				return err
			}
			return p.Serve(conntest.Replies{
				cmd: func(p *conntest.Peer, c conntest.Command) error {
					p.ReplyError(c, "Generic"+evil, "nope "+evil)
					p.WaitClosed()
					return conntest.Done
				},
				"*": conntest.Return(`{"name": "vm", "status": "running", "running": true, "singlestep": false}`),
			})
		}
	}
	schema := `[{"name": "EVIL` + conntest.JSONString(evil)[1:] + `, "meta-type": "event", "arg-type": "0"},` +
		`{"name": "0", "meta-type": "object", "members": [{"name": ` + conntest.JSONString("x"+evil) + `, "type": "int"}]},` +
		`{"name": "int", "meta-type": "builtin", "json-type": "int"}]`
	liveSchema := func(p *conntest.Peer) error {
		if err := p.Greet(); err != nil {
			return err
		}
		return p.Serve(conntest.Replies{
			"query-qmp-schema": func(p *conntest.Peer, c conntest.Command) error {
				p.Reply(c, schema)
				p.WaitClosed()
				return conntest.Done
			},
			"*": conntest.Return(`{}`), // query-name: a VM without -name
		})
	}
	for _, tc := range []struct {
		name   string
		script conntest.Script
		args   func(addr string) []string
	}{
		{"watch --schema live", refuse("query-qmp-schema"), func(a string) []string { return []string{"watch", "--schema", "live", a} }},
		{"status query-status", refuse("query-status"), func(a string) []string { return []string{"status", a} }},
		{"status json", refuse("query-status"), func(a string) []string { return []string{"status", "-o", "json", a} }},
		{"events --live refused", refuse("query-qmp-schema"), func(a string) []string { return []string{"events", "--live", a} }},
		{"events --live names", liveSchema, func(a string) []string { return []string{"events", "--live", a} }},
		{"events --live json", liveSchema, func(a string) []string { return []string{"events", "--live", a, "-o", "json"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := conntest.NewServer(t, tc.script)
			streams, out, errOut := testStreams("")
			run(context.Background(), tc.args(s.Addr), streams)
			if out.Len()+errOut.Len() == 0 {
				t.Fatal("no output at all")
			}
			if !strings.Contains(out.String()+errOut.String(), "PWNED") {
				t.Errorf("the monitor's text is missing:\nstdout %q\nstderr %q", out, errOut)
			}
			noRaw(t, "stdout", out.String())
			noRaw(t, "stderr", errOut.String())
		})
	}
}
