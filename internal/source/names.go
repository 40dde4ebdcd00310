package source

import (
	"strconv"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/safe"
)

// MaxNames bounds the VM names one dialled socket may introduce. A VM is
// labelled by its -name (query-name), asked again at each reconnect; a
// monitor that answers a new name every time would add a VM, and all its
// series in serve's /metrics, per reconnect. Past the bound a new name is
// not used: the VM keeps its socket's label.
const MaxNames = 4

// vmNames are the names a socket's sessions have answered.
type vmNames struct {
	seen []string
	said bool
}

// admit labels c by the socket when name is one too many, and returns the
// note for its status line (said once).
func (n *vmNames) admit(c *conn.Client, name string) (note string) {
	if name == "" {
		return ""
	}
	for _, s := range n.seen {
		if s == name {
			return ""
		}
	}
	if len(n.seen) < MaxNames {
		n.seen = append(n.seen, name)
		return ""
	}
	c.SetLabel(c.Addr().DefaultLabel())
	if n.said {
		return ""
	}
	n.said = true
	return "; its name \"" + safe.String(name) + "\" is not used: this socket has answered " +
		strconv.Itoa(MaxNames) + " other names, the most qmpwatch takes from one socket"
}
