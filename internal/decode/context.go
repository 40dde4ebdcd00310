package decode

import "time"

// Context is what earlier events of the same VM tell about an event, set by
// track.Causes for the summaries: how long a block job or a VNC or SPICE
// session lasted, which SPICE channel closed, whether QEMU had shut down
// before its monitor went away. The zero Context means nothing was seen.
type Context struct {
	Lasted  time.Duration // from the job's or session's start event to this one; 0 when the start was not seen
	Channel int64         // SPICE_DISCONNECTED: the channel type its SPICE_INITIALIZED gave; 0 unknown
	Exited  bool          // QMPWATCH_DISCONNECTED: QEMU had sent SHUTDOWN, so it quit rather than broke
}
