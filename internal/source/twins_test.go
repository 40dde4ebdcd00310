package source

import (
	"errors"
	"testing"
)

func TestTwins(t *testing.T) {
	conn := func(addr, name string) Status { return Status{Kind: Connected, Addr: addr, VM: name, Name: name} }
	gone := func(addr string) Status { return Status{Kind: Disconnected, Addr: addr, Err: errors.New("closed")} }
	const warn = "warning: VM vm1 is watched twice, at /run/a.qmp and /run/b.qmp: each of its events shows twice (watch one of them)"
	const uuidWarn = "warning: VM with UUID 5f3e1a2c-0000-4000-8000-000000000001 is watched twice, at /run/u1.qmp and /run/u2.qmp: each of its events shows twice (watch one of them)"
	for _, tc := range []struct {
		name  string
		steps []Status
		want  []string // what each step returns
	}{
		{"two monitors of one VM, warned once", []Status{conn("/run/a.qmp", "vm1"), conn("/run/b.qmp", "vm1"), conn("/run/c.qmp", "vm1")}, []string{"", warn, ""}},
		{"two VMs", []Status{conn("/run/a.qmp", "vm1"), conn("/run/b.qmp", "vm2")}, []string{"", ""}},
		{"a reconnect at the same address", []Status{conn("/run/a.qmp", "vm1"), {Kind: Reconnected, Addr: "/run/a.qmp", Name: "vm1"}}, []string{"", ""}},
		{"no -name: labelled by socket", []Status{{Kind: Connected, Addr: "/run/a.qmp", VM: "a"}, {Kind: Connected, Addr: "/run/b/a.qmp", VM: "a"}}, []string{"", ""}},
		{"a VM restarted at a new path", []Status{conn("/run/a.qmp", "vm1"), gone("/run/a.qmp"), conn("/run/b.qmp", "vm1")}, []string{"", "", ""}},
		{"no -name, one -uuid", []Status{conn("/run/u1.qmp", ""), conn("/run/u2.qmp", "")}, []string{"", uuidWarn}},
		{"no -name, two -uuids", []Status{conn("/run/u1.qmp", ""), conn("/run/u3.qmp", "")}, []string{"", ""}},
		{"the -uuid freed with its monitor", []Status{conn("/run/u1.qmp", ""), gone("/run/u1.qmp"), conn("/run/u2.qmp", "")}, []string{"", "", ""}},
	} {
		var tw Twins
		// What Learn would have found (query-uuid) for VMs without -name.
		tw.SetUUID("/run/u1.qmp", "5f3e1a2c-0000-4000-8000-000000000001")
		tw.SetUUID("/run/u2.qmp", "5f3e1a2c-0000-4000-8000-000000000001")
		tw.SetUUID("/run/u3.qmp", "5f3e1a2c-0000-4000-8000-000000000003")
		for i, st := range tc.steps {
			if got := tw.Check(st); got != tc.want[i] {
				t.Errorf("%s, step %d: %q, want %q", tc.name, i, got, tc.want[i])
			}
		}
	}
}
