package sim

import (
	"context"
	"time"
)

// settle is how long a session waits, after qmp_capabilities, for a client
// that asks nothing before its events begin.
const settle = 100 * time.Millisecond

// awaitConnect holds the events back until the client has asked
// query-status (as qmpwatch does at connect), or has been quiet for settle.
// Without it, a recording played at --speed 0 raced the client's
// query-status, and the state at connect ("connected to vm1 (QEMU 7.2.22,
// running)") was that of whichever events had gone out first: running,
// paused or shutdown from one run to the next. Now it is the state before
// the recording, as for a client that connects to a VM before its events.
func (ss *session) awaitConnect(ctx context.Context) error {
	for {
		ss.mu.Lock()
		asked, wait := ss.statusAsked, settle-time.Since(ss.asked)
		ss.mu.Unlock()
		if asked || wait <= 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ss.askedStatus:
			return nil
		case <-time.After(wait):
		}
	}
}
