package source

import (
	"fmt"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// QueryRunState asks QEMU for the VM's run state (query-status).
func QueryRunState(c *conn.Client) (track.RunState, error) {
	raw, err := c.Query("query-status", nil)
	if err != nil {
		return track.RunState{}, err
	}
	st, err := track.ParseStatus(raw)
	if err != nil {
		return st, fmt.Errorf("%s: %w", c.Addr(), err)
	}
	return st, nil
}
