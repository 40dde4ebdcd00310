package track

import (
	"fmt"
	"net"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// SeedVNC adds the VNC clients connected when the watch began, from the
// return of query-vnc (an object with clients) or query-vnc-servers (an
// array of servers, each with clients), and returns the new sessions. A
// client already tracked is left alone, so both replies may be given.
// Their start is unknown: Start stays zero and Seen is at.
func (t *Sessions) SeedVNC(vm string, at time.Time, ret []byte) ([]*Session, error) {
	v, err := decode.Parse(ret)
	if err != nil {
		return nil, fmt.Errorf("query-vnc: %w", err)
	}
	servers := []decode.Value{v}
	if v.Kind == decode.Array {
		servers = v.Items
	}
	var out []*Session
	vs := t.vm(vm)
	for _, srv := range servers {
		if en, ok := srv.Get("enabled"); ok && en.Kind == decode.Bool && !en.True {
			continue
		}
		clients, _ := srv.Get("clients")
		for _, c := range clients.Items {
			addr := net.JoinHostPort(c.Str("host"), c.Str("service"))
			if vs.vnc[addr] != nil {
				continue
			}
			s := &Session{VM: vm, Protocol: VNC, Client: addr, Seen: at, Auth: srv.Str("auth"),
				SASLUser: c.Str("sasl_username"), X509: c.Str("x509_dname")}
			if !t.add(vs, s) {
				return out, nil // at MaxOpen: said once
			}
			vs.vnc[addr] = s
			out = append(out, s)
		}
	}
	return out, nil
}

// SeedSPICE adds the SPICE sessions open when the watch began, from the
// return of query-spice: its channels, grouped by connection-id.
func (t *Sessions) SeedSPICE(vm string, at time.Time, ret []byte) ([]*Session, error) {
	v, err := decode.Parse(ret)
	if err != nil {
		return nil, fmt.Errorf("query-spice: %w", err)
	}
	if en, ok := v.Get("enabled"); !ok || en.Kind != decode.Bool || !en.True {
		return nil, nil
	}
	var out []*Session
	vs := t.vm(vm)
	chans, _ := v.Get("channels")
	for _, c := range chans.Items {
		idv, _ := c.Get("connection-id")
		if idv.Kind != decode.Number {
			continue
		}
		addr := net.JoinHostPort(c.Str("host"), c.Str("port"))
		if vs.byAddr[addr] != nil {
			continue // known from its events
		}
		typ, _ := mustInt(c, "channel-type")
		chID, _ := mustInt(c, "channel-id")
		s := vs.spice[idv.Text]
		if s == nil {
			s = &Session{VM: vm, Protocol: SPICE, ID: idv.Text, Client: addr, Seen: at, Auth: v.Str("auth"), NoMain: true}
			if !t.add(vs, s) {
				continue // at MaxOpen: said once
			}
			vs.spice[idv.Text] = s
			out = append(out, s)
		}
		if len(s.Channels) >= MaxChannels {
			t.say(vm, FullChannels, MaxChannels)
			continue
		}
		if typ == 1 {
			s.NoMain, s.Client = false, addr
		}
		if tls, ok := c.Get("tls"); ok && tls.Kind == decode.Bool && tls.True {
			s.TLS = true
		}
		s.Channels = append(s.Channels, Channel{Type: typ, ID: chID, Name: ChannelName(typ), Client: addr})
		vs.byAddr[addr] = s
	}
	return out, nil
}

// Since is when the session began as far as is known: its start, or, for
// one open before the watch began, when it was found; known is false then.
func (s *Session) Since() (at time.Time, known bool) {
	if !s.Start.IsZero() {
		return s.Start, true
	}
	return s.Seen, false
}

// Since is when the job began as far as is known: its first event, or, for
// one running before the watch began, when it was found; known is false then.
func (j *Job) Since() (at time.Time, known bool) {
	if !j.Start.IsZero() {
		return j.Start, true
	}
	return j.Seen, false
}
