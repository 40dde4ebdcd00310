package conn

import (
	"encoding/json"
	"fmt"
)

// VMName asks QEMU for the VM's -name; "" when it has none. The client
// keeps the answer (Name).
func (c *Client) VMName() (string, error) {
	var r struct{ Name string }
	if err := c.queryInto("query-name", &r); err != nil {
		return "", err
	}
	c.name = r.Name
	return r.Name, nil
}

// Name is the -name VMName learnt; "" before it was asked, or for a VM
// without one.
func (c *Client) Name() string { return c.name }

// noUUID is what QEMU answers for a VM started without -uuid: every such VM
// has it, so it tells nothing about which VM this is.
const noUUID = "00000000-0000-0000-0000-000000000000"

// VMUUID asks QEMU for the VM's -uuid (query-uuid); "" when it has none.
func (c *Client) VMUUID() (string, error) {
	var r struct{ UUID string }
	if err := c.queryInto("query-uuid", &r); err != nil || r.UUID == noUUID {
		return "", err
	}
	return r.UUID, nil
}

// queryInto asks cmd (no arguments) and decodes its reply into r.
func (c *Client) queryInto(cmd string, r any) error {
	raw, err := c.Query(cmd, nil)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, r); err != nil {
		return &Error{Addr: c.addr, Err: fmt.Errorf("%s: %w", cmd, err)}
	}
	return nil
}
