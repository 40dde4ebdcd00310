package track

import "github.com/qmpwatch/qmpwatch/internal/decode"

// spice follows SPICE's events. SPICE_CONNECTED says only host and port;
// the session (connection-id) comes with SPICE_INITIALIZED, one per
// channel, and each channel ends with its own SPICE_DISCONNECTED.
func (t *Sessions) spice(ev *decode.Event) (*Session, Change) {
	d := ev.Data()
	v := t.vm(ev.VM)
	addr := clientAddr(d, "port")
	switch ev.Name {
	case "SPICE_CONNECTED":
		if _, ok := v.halfOpen[addr]; !ok {
			if len(v.halfOpenSeq) >= maxHalfOpen {
				delete(v.halfOpen, v.halfOpenSeq[0])
				v.halfOpenSeq = v.halfOpenSeq[1:]
			}
			v.halfOpenSeq = append(v.halfOpenSeq, addr)
		}
		v.halfOpen[addr] = ev.Time()
		return nil, NoChange
	case "SPICE_DISCONNECTED":
		v.dropHalfOpen(addr)
		s := v.byAddr[addr]
		if s == nil {
			return nil, NoChange // a channel that never initialized
		}
		delete(v.byAddr, addr)
		main := false
		allClosed := true
		for i := range s.Channels {
			c := &s.Channels[i]
			if c.Client == addr && !c.Closed {
				c.Closed, c.End = true, ev.Time()
				main = main || c.Type == 1
			}
			allClosed = allClosed && c.Closed
		}
		if s.Ended {
			return nil, NoChange // a channel QEMU closed after its main one
		}
		if main || (s.NoMain && allClosed) {
			s.Ended, s.End = true, ev.Time()
			delete(v.spice, s.ID)
			// Its other channels' disconnects still find it, to close
			// them; a VM that never sends them may keep maxHalfOpen.
			for _, c := range s.Channels {
				if !c.Closed {
					v.linger(c.Client)
				}
			}
			v.close(s)
			return s, Ended
		}
		return s, Updated
	}
	// SPICE_INITIALIZED: the channel's identity.
	c, _ := d.Get("client")
	idv, _ := c.Get("connection-id")
	id := idv.Text // the literal: exact, negative or beyond 2^53 alike
	typ, _ := mustInt(c, "channel-type")
	chID, _ := mustInt(c, "channel-id")
	start, ok := v.halfOpen[addr]
	if ok {
		v.dropHalfOpen(addr)
	} else {
		start = ev.Time()
	}
	change := Updated
	s := v.spice[id]
	if s == nil {
		s = &Session{VM: ev.VM, Protocol: SPICE, ID: id, Client: addr, Start: start, NoMain: typ != 1}
		if !t.add(v, s) {
			return nil, NoChange // the VM is at MaxOpen: said once
		}
		v.spice[id] = s
		change = Started
	}
	if len(s.Channels) >= MaxChannels {
		t.say(ev.VM, FullChannels, MaxChannels)
		return nil, NoChange
	}
	if typ == 1 {
		s.NoMain, s.Client, s.Init = false, addr, ev.Time()
		if change != Started {
			s.Start = start // the main channel links first; trust it
		}
	}
	if auth, ok := d.Path("server", "auth"); ok && auth.Kind == decode.String {
		s.Auth = auth.Text
	}
	if tls, ok := c.Get("tls"); ok && tls.Kind == decode.Bool && tls.True {
		s.TLS = true
	}
	s.Channels = append(s.Channels, Channel{Type: typ, ID: chID, Name: ChannelName(typ), Client: addr, Start: start})
	v.byAddr[addr] = s
	return s, change
}

func mustInt(v decode.Value, key string) (int64, bool) {
	m, ok := v.Get(key)
	if !ok {
		return 0, false
	}
	return m.Int64()
}

func (v *vmSessions) dropHalfOpen(addr string) {
	if _, ok := v.halfOpen[addr]; !ok {
		return
	}
	delete(v.halfOpen, addr)
	for i, a := range v.halfOpenSeq {
		if a == addr {
			v.halfOpenSeq = append(v.halfOpenSeq[:i], v.halfOpenSeq[i+1:]...)
			break
		}
	}
}

// linger notes the channel at addr of a session that ended: byAddr keeps
// it for the channel's own SPICE_DISCONNECTED, but only for the last
// maxHalfOpen such channels.
func (v *vmSessions) linger(addr string) {
	if len(v.lingering) >= maxHalfOpen {
		old := v.lingering[0]
		v.lingering = append(v.lingering[:0], v.lingering[1:]...)
		if s := v.byAddr[old]; s != nil && s.Ended {
			delete(v.byAddr, old)
		}
	}
	v.lingering = append(v.lingering, addr)
}
