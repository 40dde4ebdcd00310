package track

import (
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// maxStarts bounds the jobs and sessions remembered per VM: a stream that
// starts sessions and never ends them must not grow memory for ever.
const maxStarts = 256

// contextVM is what one VM's earlier events tell about its later ones
// (decode.Context): when its jobs and sessions began, the SPICE channels,
// and whether QEMU reported a SHUTDOWN.
type contextVM struct {
	starts   map[string]time.Time // "job\x00id", "vnc\x00host:port", "spice\x00host:port"
	channels map[string]int64     // "host:port" of a SPICE channel -> its channel type
	exited   bool                 // SHUTDOWN seen, and no RESUME or reconnect since
	// migrating: the last MIGRATION status was "active", the state in which
	// QEMU stops the source VM to switch over (precopy completion, or the
	// start of postcopy).
	migrating bool
}

func newContextVM() *contextVM {
	return &contextVM{starts: map[string]time.Time{}, channels: map[string]int64{}}
}

func (c *contextVM) start(key string, at time.Time) {
	if at.IsZero() {
		return
	}
	if len(c.starts) >= maxStarts {
		for k := range c.starts { // drop any one: bounded, not perfect
			delete(c.starts, k)
			break
		}
	}
	c.starts[key] = at
}

// end sets the time since key's start, and forgets the start.
func (c *contextVM) end(key string, ev *decode.Event) {
	at, ok := c.starts[key]
	delete(c.starts, key)
	if now := ev.Time(); ok && !now.IsZero() && now.After(at) {
		ev.Context.Lasted = now.Sub(at)
	}
}

func endpoint(d decode.Value, obj, portKey string) string {
	o, _ := d.Get(obj)
	return o.Str("host") + ":" + o.Str(portKey)
}

// observe fills ev.Context from what came before, and remembers what this
// event starts.
func (c *contextVM) observe(ev *decode.Event) {
	switch ev.Name {
	case "JOB_STATUS_CHANGE":
		d := ev.Data()
		switch d.Str("status") {
		case "created":
			c.start("job\x00"+d.Str("id"), ev.Time())
		case "null":
			delete(c.starts, "job\x00"+d.Str("id"))
		}
	case "BLOCK_JOB_COMPLETED", "BLOCK_JOB_CANCELLED":
		c.end("job\x00"+ev.Data().Str("device"), ev)
	case "VNC_CONNECTED":
		c.start("vnc\x00"+endpoint(ev.Data(), "client", "service"), ev.Time())
	case "VNC_DISCONNECTED":
		c.end("vnc\x00"+endpoint(ev.Data(), "client", "service"), ev)
	case "SPICE_CONNECTED":
		c.start("spice\x00"+endpoint(ev.Data(), "client", "port"), ev.Time())
	case "SPICE_INITIALIZED":
		cl, _ := ev.Data().Get("client")
		if t, ok := cl.Get("channel-type"); ok {
			if n, ok := t.Int64(); ok {
				if len(c.channels) >= maxStarts {
					for k := range c.channels {
						delete(c.channels, k)
						break
					}
				}
				c.channels[endpoint(ev.Data(), "client", "port")] = n
			}
		}
	case "SPICE_DISCONNECTED":
		ep := endpoint(ev.Data(), "client", "port")
		c.end("spice\x00"+ep, ev)
		ev.Context.Channel = c.channels[ep]
		delete(c.channels, ep)
	case "SHUTDOWN":
		c.exited = true
	case "RESUME", "QMPWATCH_RECONNECTED":
		c.exited = false
	case "QMPWATCH_DISCONNECTED":
		ev.Context.Exited = c.exited
	case "MIGRATION":
		c.migrating = ev.Data().Str("status") == "active"
	}
}
