package conn_test

import (
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/testkit/conntest"
)

// TestVMIdentity: query-name is kept as Name; query-uuid gives the -uuid,
// and "" for QEMU's all-zero answer of a VM started without one.
func TestVMIdentity(t *testing.T) {
	for _, tc := range []struct {
		name, nameRet, uuidRet string
		wantName, wantUUID     string
	}{
		{"both", `{"name": "vm1"}`, `{"UUID": "6b1f7c9e-2d4a-4e8b-9f0a-3c5d7e9f1a2b"}`, "vm1", "6b1f7c9e-2d4a-4e8b-9f0a-3c5d7e9f1a2b"},
		{"neither", `{}`, `{"UUID": "00000000-0000-0000-0000-000000000000"}`, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := conntest.NewServer(t, func(p *conntest.Peer) error {
				if err := p.Greet(); err != nil {
					return err
				}
				for _, q := range []struct{ cmd, ret string }{{"query-name", tc.nameRet}, {"query-uuid", tc.uuidRet}} {
					c, err := p.Expect(q.cmd)
					if err != nil {
						return err
					}
					p.Reply(c, q.ret)
				}
				p.WaitClosed()
				return nil
			})
			c, err := dial(t, s, conn.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.Name() != "" {
				t.Errorf("Name before VMName = %q", c.Name())
			}
			if n, err := c.VMName(); err != nil || n != tc.wantName || c.Name() != tc.wantName {
				t.Errorf("VMName = %q, %v; Name = %q; want %q", n, err, c.Name(), tc.wantName)
			}
			if u, err := c.VMUUID(); err != nil || u != tc.wantUUID {
				t.Errorf("VMUUID = %q, %v; want %q", u, err, tc.wantUUID)
			}
		})
	}
}
