package track

import (
	"net"
	"sort"
	"strconv"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// Protocols of remote-display sessions.
const (
	VNC   = "vnc"
	SPICE = "spice"
)

// Limits that bound memory on a long watch: ended sessions are kept for the
// table only up to KeepEnded per VM, and SPICE connections that never
// initialize (failed handshakes, port scans) up to maxHalfOpen per VM.
const (
	KeepEnded   = 100
	maxHalfOpen = 256
)

// spiceChannelNames are SPICE's channel types, by number.
var spiceChannelNames = [...]string{1: "main", 2: "display", 3: "inputs", 4: "cursor", 5: "playback",
	6: "record", 7: "tunnel", 8: "smartcard", 9: "usbredir", 10: "port", 11: "webdav"}

// ChannelName names a SPICE channel type: "display", or "type-42" for a
// number SPICE did not have when this was written.
func ChannelName(typ int64) string {
	if typ > 0 && typ < int64(len(spiceChannelNames)) {
		return spiceChannelNames[typ]
	}
	return "type-" + strconv.FormatInt(typ, 10)
}

// Session is one remote-display client session.
type Session struct {
	VM       string
	Protocol string    // VNC or SPICE
	ID       string    // SPICE connection-id as its exact literal ("-1296444001"); "" for VNC
	Client   string    // host:port of the client (SPICE: of the main channel)
	Start    time.Time // connected; zero when unknown (the watch began mid-session)
	Seen     time.Time // open at connect (query-vnc, query-spice): when it was found
	Init     time.Time // initialized (VNC_INITIALIZED, the main SPICE_INITIALIZED)
	End      time.Time // disconnected; zero while open
	Ended    bool
	TLS      bool
	Auth     string // the server's auth scheme (none, vnc, sasl, spice, ...)
	SASLUser string // VNC sasl_username: from the remote client, untrusted
	X509     string // VNC x509_dname: from the remote client, untrusted
	Channels []Channel
	NoMain   bool // SPICE: channels of a session whose main channel was not seen

	tracked bool // among its VM's open sessions (sessions_open.go)
}

// Channel is one SPICE channel of a session.
type Channel struct {
	Type   int64
	ID     int64
	Name   string
	Client string // host:port
	Start  time.Time
	End    time.Time
	Closed bool
}

// Duration is how long the session lasted, or has lasted until now.
func (s *Session) Duration(now time.Time) time.Duration {
	if s.Start.IsZero() {
		return 0
	}
	end := s.End
	if !s.Ended {
		end = now
	}
	if end.IsZero() || end.Before(s.Start) {
		return 0
	}
	return end.Sub(s.Start)
}

// ChannelNames lists the session's channels in the order they joined; a
// channel type seen twice (multi-head display) is listed with its id.
func (s *Session) ChannelNames() []string {
	out := make([]string, 0, len(s.Channels))
	for _, c := range s.Channels {
		n := c.Name
		if c.ID != 0 {
			n += "#" + strconv.FormatInt(c.ID, 10)
		}
		out = append(out, n)
	}
	return out
}

// Change says what happened to a session.
type Change uint8

// The changes Sessions.Observe reports.
const (
	NoChange Change = iota
	Started         // a new session
	Updated         // a channel joined or left, or it initialized
	Ended           // the session is over
)

func (c Change) String() string {
	return [...]string{"none", "start", "update", "end", "progress"}[c]
}

// Sessions tracks the VNC and SPICE sessions of any number of VMs, at most
// MaxOpen open ones per VM.
type Sessions struct {
	vms  map[string]*vmSessions
	keep int // ended sessions kept per VM (KeepEnded unless told)
	fullNotes
}

type vmSessions struct {
	// open holds the open sessions in start order, and ended ones not yet
	// swept out (dead of them): ending one is then O(1), not a walk.
	open  []*Session
	dead  int
	nVNC  int                 // open VNC sessions
	nSPI  int                 // open SPICE sessions
	ended []*Session          // the last keep ended, oldest first
	keep  int                 // the Sessions' keep
	vnc   map[string]*Session // by client host:port
	spice map[string]*Session // by connection-id literal
	// SPICE_CONNECTED says only host and port; the id comes with
	// SPICE_INITIALIZED. halfOpen keeps the connect time until then, and
	// byAddr finds a channel's session when its SPICE_DISCONNECTED comes.
	halfOpen    map[string]time.Time
	halfOpenSeq []string
	byAddr      map[string]*Session
	lingering   []string // channels of ended sessions still in byAddr (linger)
}

// NewSessions returns an empty tracker.
func NewSessions() *Sessions { return &Sessions{vms: map[string]*vmSessions{}, keep: KeepEnded} }

// KeepEndedAtMost keeps fewer ended sessions per VM than a table shows
// (KeepEnded): none, for a user that only counts the open ones.
func (t *Sessions) KeepEndedAtMost(n int) {
	t.keep = max(n, 0)
	for _, v := range t.vms {
		v.keep = t.keep
		if len(v.ended) > t.keep {
			v.ended = append([]*Session(nil), v.ended[len(v.ended)-t.keep:]...)
		}
	}
}

// OpenCount counts the open sessions of every VM, by protocol, without
// listing them.
func (t *Sessions) OpenCount() (vnc, spice int) {
	for _, v := range t.vms {
		vnc, spice = vnc+v.nVNC, spice+v.nSPI
	}
	return vnc, spice
}

func (t *Sessions) vm(name string) *vmSessions {
	v := t.vms[name]
	if v == nil {
		v = &vmSessions{vnc: map[string]*Session{}, spice: map[string]*Session{},
			halfOpen: map[string]time.Time{}, byAddr: map[string]*Session{}, keep: t.keep}
		t.vms[name] = v
	}
	return v
}

// List returns the sessions of every VM: ended ones (the most recent
// KeepEnded per VM) and open ones, each VM's in start order, VMs by name.
func (t *Sessions) List() []*Session {
	names := make([]string, 0, len(t.vms))
	for n := range t.vms {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []*Session
	for _, n := range names {
		v := t.vms[n]
		out = append(out, v.ended...)
		for _, s := range v.open {
			if !s.Ended {
				out = append(out, s)
			}
		}
	}
	return out
}

// Open returns the sessions still open, for a table of what is live.
func (t *Sessions) Open() []*Session {
	var out []*Session
	for _, s := range t.List() {
		if !s.Ended {
			out = append(out, s)
		}
	}
	return out
}

// Observe feeds one event. When it changes a session, it returns the
// session and the kind of change; other events return NoChange.
func (t *Sessions) Observe(ev *decode.Event) (*Session, Change) {
	switch ev.Name {
	case "VNC_CONNECTED", "VNC_INITIALIZED", "VNC_DISCONNECTED":
		return t.vnc(ev)
	case "SPICE_CONNECTED", "SPICE_INITIALIZED", "SPICE_DISCONNECTED":
		return t.spice(ev)
	}
	return nil, NoChange
}

// EndAll closes every open session of vm at time at (its connection or
// log ended, so no disconnect will come) and returns them.
func (t *Sessions) EndAll(vm string, at time.Time) []*Session {
	v := t.vms[vm]
	if v == nil {
		return nil
	}
	var open []*Session
	for _, s := range v.open {
		if s.tracked {
			s.tracked, s.Ended, s.End = false, true, at
			v.retire(s)
			open = append(open, s)
		}
	}
	v.open, v.dead, v.nVNC, v.nSPI = nil, 0, 0, 0
	v.vnc, v.spice, v.byAddr = map[string]*Session{}, map[string]*Session{}, map[string]*Session{}
	v.halfOpen, v.halfOpenSeq, v.lingering = map[string]time.Time{}, nil, nil
	t.forget(vm)
	return open
}

func clientAddr(d decode.Value, portKey string) string {
	c, _ := d.Get("client")
	return net.JoinHostPort(c.Str("host"), c.Str(portKey))
}

func (t *Sessions) vnc(ev *decode.Event) (*Session, Change) {
	d := ev.Data()
	v := t.vm(ev.VM)
	addr := clientAddr(d, "service")
	s := v.vnc[addr]
	change := Updated
	if s == nil {
		s = &Session{VM: ev.VM, Protocol: VNC, Client: addr}
		if ev.Name == "VNC_CONNECTED" {
			s.Start = ev.Time()
		}
		if ev.Name != "VNC_DISCONNECTED" && !t.add(v, s) {
			return nil, NoChange // the VM is at MaxOpen: said once
		}
		v.vnc[addr] = s
		change = Started
	}
	if auth, ok := d.Path("server", "auth"); ok && auth.Kind == decode.String {
		s.Auth = auth.Text
	}
	switch ev.Name {
	case "VNC_INITIALIZED":
		s.Init = ev.Time()
		c, _ := d.Get("client")
		s.SASLUser, s.X509 = c.Str("sasl_username"), c.Str("x509_dname")
	case "VNC_DISCONNECTED":
		s.Ended, s.End = true, ev.Time()
		delete(v.vnc, addr)
		v.close(s)
		// A session seen only as its end (the watch began mid-session)
		// is reported once, as ended, with an unknown start.
		return s, Ended
	}
	return s, change
}
