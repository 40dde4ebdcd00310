package run

import (
	"strings"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/libvirt"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

func TestStatusValidate(t *testing.T) {
	for _, c := range []struct {
		args    []string
		domains []string
		want    string // the usage error; "" when accepted
		libvirt bool
	}{
		{args: []string{"/run/vm1.qmp", "tcp:localhost:4444"}},
		{args: []string{"qemu:///system"}, domains: []string{"web-*"}, libvirt: true},
		{args: []string{"qemu+tcp://127.0.0.1:1/system"}, domains: []string{"["}, want: "--domain"},
		{args: []string{"/run/vm1.qmp"}, domains: []string{"web-*"}, want: "--domain needs a libvirt URI"},
		{args: []string{"tcp:"}, want: "tcp:"},
	} {
		o := &StatusOptions{LibvirtOptions: cmdutil.LibvirtOptions{Domains: c.domains}}
		o.Complete(c.args)
		err := o.Validate()
		switch {
		case c.want != "":
			if err == nil || !strings.Contains(err.Error(), c.want) || exitcode.Of(err) != exitcode.Usage {
				t.Errorf("%q: error %v (exit %d), want a usage error with %q", c.args, err, exitcode.Of(err), c.want)
			}
		case err != nil:
			t.Errorf("%q: refused: %v", c.args, err)
		case (o.lv != nil) != c.libvirt || (len(o.addrs) == len(c.args)) == c.libvirt:
			t.Errorf("%q: libvirt %v, %d addresses", c.args, o.lv, len(o.addrs))
		}
	}
}

// TestStatusRecords: a monitor's json record, and a libvirt domain's, which
// has the same members plus libvirt's state and reason.
func TestStatusRecords(t *testing.T) {
	addr, err := conn.ParseAddr("/run/vm1.qmp")
	if err != nil {
		t.Fatal(err)
	}
	r := statusVM{addr: addr, label: "vm1", version: "9.0.0", state: track.RunState{Status: "paused"}}
	if got, want := string(statusAppendRecord(nil, &r)), `{"vm":"vm1","name":"","address":"/run/vm1.qmp","qemu":"9.0.0","status":"paused","running":false}`+"\n"; got != want {
		t.Errorf("monitor:\n%s\nwant:\n%s", got, want)
	}
	u, err := libvirt.ParseURI("qemu:///system")
	if err != nil {
		t.Fatal(err)
	}
	d := libvirt.Domain{Name: "web-1", ID: 3, State: libvirt.State{State: 1, Reason: 1}}
	got := string(statusAppendDomain(nil, u, decode.Version{Major: 9}, d))
	want := `{"vm":"web-1","name":"web-1","address":"qemu:///system","qemu":"9.0.0","status":"running","running":true,"state":"running","reason":"booted"}` + "\n"
	if got != want {
		t.Errorf("domain:\n%s\nwant:\n%s", got, want)
	}
}
