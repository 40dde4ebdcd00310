package proxy

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/qmpwatch/qmpwatch/internal/conn"
)

// request is what the proxy needs to know of a command.
type request struct {
	ms   []member
	id   []byte // the client's id, nil when it gave none
	name string // execute or exec-oob
	oob  bool   // exec-oob
	args []byte // arguments, nil when absent
}

// parse checks a client's message as QEMU does before it runs anything,
// with QEMU's words. An error is the reply's class and desc; id is the
// client's when it could be read, for the reply.
func parse(raw []byte, oobOK bool) (r request, class, desc string) {
	if err := json.Unmarshal(raw, new(any)); err != nil {
		return r, classGeneric, descParse
	}
	ms, ok := members(raw)
	if !ok {
		return r, classGeneric, descNotObject
	}
	seen := map[string]bool{}
	for _, m := range ms {
		if seen[m.key] {
			return r, classGeneric, "JSON parse error, duplicate key"
		}
		seen[m.key] = true
	}
	r.ms, r.id = ms, lookup(ms, "id")
	for _, m := range ms {
		switch m.key {
		case "execute", "exec-oob":
			if m.value[0] != '"' {
				return r, classGeneric, fmt.Sprintf("QMP input member '%s' must be a string", m.key)
			}
			if m.key == "exec-oob" && !oobOK {
				return r, classGeneric, "QMP input member 'exec-oob' is unexpected"
			}
			json.Unmarshal(m.value, &r.name)
			r.oob = m.key == "exec-oob"
		case "arguments":
			if m.value[0] != '{' {
				return r, classGeneric, "QMP input member 'arguments' must be an object"
			}
			r.args = m.value
		case "id":
		default:
			return r, classGeneric, fmt.Sprintf("QMP input member '%s' is unexpected", m.key)
		}
	}
	if seen["execute"] && seen["exec-oob"] {
		return r, classGeneric, "QMP input member 'exec-oob' is unexpected"
	}
	if !seen["execute"] && !seen["exec-oob"] {
		return r, classGeneric, "QMP input lacks member 'execute'"
	}
	return r, "", ""
}

// command answers or forwards one message from the client.
func (c *client) command(raw []byte, fds []int) {
	r, class, desc := parse(raw, c.oob)
	switch {
	case class != "":
	case !c.negotiated && r.name != "qmp_capabilities":
		class, desc = classNotFound, descNotNegotiated
	case r.name == "qmp_capabilities" && c.negotiated:
		class, desc = classNotFound, descNegotiated
	case r.name == "qmp_capabilities":
		class, desc = c.capabilities(r.args)
		if class == "" {
			c.reply(line(emptyReturn(r.id)))
			c.s.negotiated(c)
		}
	case c.p.o.ReadOnly && !conn.ReadOnly(r.name):
		class, desc = classGeneric, fmt.Sprintf("qmpwatch refused %s: this proxy is --read-only and relays only qmp_capabilities and query-* commands", r.name)
	default:
		sl := &slot{c: c, id: r.id, oob: r.oob}
		if !r.oob {
			c.rmu.Lock()
			c.replies = append(c.replies, sl)
			c.rmu.Unlock()
		}
		c.s.forward(sl, r.ms, fds)
		fds = nil
	}
	c.closeFDs(fds) // sent up (the kernel holds copies), or unused
	if class != "" {
		c.reply(line(errorReply(r.id, class, desc)))
	}
}

// capabilities checks qmp_capabilities' arguments as QEMU 7.2 does and
// turns on what the client asked for.
func (c *client) capabilities(args []byte) (class, desc string) {
	oob := false
	ms, _ := members(args)
	for _, m := range ms {
		if m.key != "enable" {
			return classGeneric, fmt.Sprintf("Parameter '%s' is unexpected", m.key)
		}
		var caps []any
		if json.Unmarshal(m.value, &caps) != nil {
			return classGeneric, "Invalid parameter type for 'enable', expected: array"
		}
		var missing []string
		for _, v := range caps {
			s, ok := v.(string)
			if !ok || s != "oob" {
				return classGeneric, fmt.Sprintf("Parameter 'null' does not accept value '%v'", v)
			}
			if !c.s.oob {
				missing = append(missing, s)
			}
			oob = true
		}
		if len(missing) > 0 {
			return classGeneric, fmt.Sprintf("Capability %s not available", strings.Join(missing, ", "))
		}
	}
	c.oob = oob
	c.negotiated = true
	return "", ""
}

// reply queues a reply the proxy gives itself, after the replies still due
// for the client's earlier commands.
func (c *client) reply(msg []byte) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if len(c.replies) == 0 {
		c.send(msg)
		return
	}
	c.replies = append(c.replies, &slot{c: c, data: msg, done: true})
}

// answer is a reply from QEMU for the command of sl.
func (c *client) answer(sl *slot, msg []byte) {
	if sl.oob {
		c.send(msg)
		return
	}
	c.rmu.Lock()
	defer c.rmu.Unlock()
	sl.data, sl.done = msg, true
	for len(c.replies) > 0 && c.replies[0].done {
		c.send(c.replies[0].data)
		c.replies[0] = nil
		c.replies = c.replies[1:]
	}
}
