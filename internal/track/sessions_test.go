package track

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

func spiceConn(t *testing.T, sec int64, host string, port int) *decode.Event {
	return at(t, "vm1", sec, 0, "SPICE_CONNECTED", fmt.Sprintf(
		`{"server": {"port": "5930", "family": "ipv4", "host": "127.0.0.1"}, "client": {"port": "%d", "family": "ipv4", "host": %q}}`, port, host))
}

func spiceDisc(t *testing.T, sec int64, host string, port int) *decode.Event {
	return at(t, "vm1", sec, 0, "SPICE_DISCONNECTED", fmt.Sprintf(
		`{"server": {"port": "5930", "family": "ipv4", "host": "127.0.0.1"}, "client": {"port": "%d", "family": "ipv4", "host": %q}}`, port, host))
}

func spiceInit(t *testing.T, sec int64, host string, port int, id string, typ int, tls bool) *decode.Event {
	return at(t, "vm1", sec, 500, "SPICE_INITIALIZED", fmt.Sprintf(
		`{"server": {"auth": "spice", "port": "5930", "family": "ipv4", "host": "127.0.0.1"}, "client": {"port": "%d", "family": "ipv4", "channel-type": %d, "connection-id": %s, "host": %q, "channel-id": 0, "tls": %t}}`,
		port, typ, id, host, tls))
}

func vncEv(t *testing.T, sec int64, name, port, clientExtra string) *decode.Event {
	return at(t, "vm1", sec, 0, name, fmt.Sprintf(
		`{"server": {"auth": "sasl", "family": "ipv4", "service": "5901", "host": "0.0.0.0", "websocket": false}, "client": {"family": "ipv4", "service": %q, "host": "10.0.0.7", "websocket": false%s}}`, port, clientExtra))
}

// step is one event and the change it must cause.
type step struct {
	ev   *decode.Event
	want Change
}

func feed(t *testing.T, tr *Sessions, steps []step) []*Session {
	t.Helper()
	var got []*Session
	for i, s := range steps {
		sess, ch := tr.Observe(s.ev)
		if ch != s.want {
			t.Fatalf("step %d (%s): change %s, want %s", i, s.ev.Name, ch, s.want)
		}
		if ch != NoChange {
			got = append(got, sess)
		}
	}
	return got
}

func TestSpiceOneSessionFourChannels(t *testing.T) {
	tr := NewSessions()
	const id = "-1296444001"
	got := feed(t, tr, []step{
		{spiceConn(t, 100, "127.0.0.1", 40001), NoChange},
		{spiceInit(t, 100, "127.0.0.1", 40001, id, 1, false), Started},
		{spiceConn(t, 101, "127.0.0.1", 40002), NoChange},
		{spiceInit(t, 101, "127.0.0.1", 40002, id, 3, false), Updated},
		{spiceConn(t, 101, "127.0.0.1", 40003), NoChange},
		{spiceInit(t, 101, "127.0.0.1", 40003, id, 2, false), Updated},
		{spiceConn(t, 102, "127.0.0.1", 40004), NoChange},
		{spiceInit(t, 102, "127.0.0.1", 40004, id, 4, false), Updated},
		{spiceDisc(t, 150, "127.0.0.1", 40004), Updated},
		{spiceDisc(t, 150, "127.0.0.1", 40003), Updated},
		{spiceDisc(t, 151, "127.0.0.1", 40002), Updated},
		{spiceDisc(t, 160, "127.0.0.1", 40001), Ended},
	})
	s := got[len(got)-1]
	if s.ID != id {
		t.Errorf("ID %q, want the exact literal %q", s.ID, id)
	}
	if want := []string{"main", "inputs", "display", "cursor"}; !reflect.DeepEqual(s.ChannelNames(), want) {
		t.Errorf("channels %v, want %v", s.ChannelNames(), want)
	}
	if s.Start != time.Unix(100, 0) || s.End != time.Unix(160, 0) || s.Duration(time.Time{}) != 60*time.Second {
		t.Errorf("start %v end %v duration %v, want the main channel's connect and disconnect", s.Start, s.End, s.Duration(time.Time{}))
	}
	if s.Client != "127.0.0.1:40001" || s.Auth != "spice" || s.TLS || !s.Ended {
		t.Errorf("session %+v", s)
	}
	if len(tr.Open()) != 0 || len(tr.List()) != 1 {
		t.Errorf("open %d list %d, want 0 and 1", len(tr.Open()), len(tr.List()))
	}
}

func TestSpiceInterleavedClients(t *testing.T) {
	tr := NewSessions()
	// Two clients on the same host, their channels interleaved; the second
	// uses TLS and an id beyond 2^53.
	const a, b = "7", "18446744073709551000"
	got := feed(t, tr, []step{
		{spiceConn(t, 1, "10.0.0.1", 5000), NoChange},
		{spiceConn(t, 2, "10.0.0.1", 6000), NoChange},
		{spiceInit(t, 2, "10.0.0.1", 6000, b, 1, true), Started},
		{spiceInit(t, 2, "10.0.0.1", 5000, a, 1, false), Started},
		{spiceConn(t, 3, "10.0.0.1", 6001), NoChange},
		{spiceConn(t, 3, "10.0.0.1", 5001), NoChange},
		{spiceInit(t, 3, "10.0.0.1", 5001, a, 2, false), Updated},
		{spiceInit(t, 3, "10.0.0.1", 6001, b, 2, true), Updated},
		{spiceDisc(t, 9, "10.0.0.1", 6000), Ended},    // b's main goes first: b ends
		{spiceDisc(t, 9, "10.0.0.1", 6001), NoChange}, // b's display follows it down
		{spiceDisc(t, 10, "10.0.0.1", 5001), Updated},
		{spiceDisc(t, 12, "10.0.0.1", 5000), Ended},
	})
	sb, sa := got[len(got)-4], got[len(got)-1]
	if sb.ID != b || !sb.TLS || sb.Start != time.Unix(2, 0) || sb.End != time.Unix(9, 0) {
		t.Errorf("session b: %+v", sb)
	}
	if sa.ID != a || sa.TLS || sa.Start != time.Unix(1, 0) || sa.End != time.Unix(12, 0) {
		t.Errorf("session a: %+v", sa)
	}
	if !sb.Channels[1].Closed {
		t.Errorf("b's display channel was not closed")
	}
	if n := len(tr.List()); n != 2 {
		t.Errorf("%d sessions, want 2", n)
	}
}

func TestSpiceWithoutMain(t *testing.T) {
	// The watch began mid-session: only a display channel is seen.
	tr := NewSessions()
	got := feed(t, tr, []step{
		{spiceInit(t, 5, "::1", 7000, "42", 2, false), Started},
		{spiceDisc(t, 8, "::1", 7000), Ended},
	})
	if s := got[1]; !s.NoMain || s.Client != "[::1]:7000" {
		t.Errorf("session %+v", s)
	}
}

func TestSpiceHalfOpenIsBounded(t *testing.T) {
	tr := NewSessions()
	for i := 0; i < 3*maxHalfOpen; i++ {
		tr.Observe(spiceConn(t, int64(i), "10.9.9.9", 10000+i))
	}
	v := tr.vms["vm1"]
	if len(v.halfOpen) != maxHalfOpen || len(v.halfOpenSeq) != maxHalfOpen {
		t.Errorf("half-open %d/%d, want %d", len(v.halfOpen), len(v.halfOpenSeq), maxHalfOpen)
	}
	// A failed handshake: connected, never initialized, disconnected.
	if _, ch := tr.Observe(spiceDisc(t, 999, "10.9.9.9", 10000+3*maxHalfOpen-1)); ch != NoChange {
		t.Errorf("a never-initialized channel's disconnect gave %s", ch)
	}
	if len(v.halfOpen) != maxHalfOpen-1 {
		t.Errorf("half-open %d after a disconnect, want %d", len(v.halfOpen), maxHalfOpen-1)
	}
}

func TestVNCSession(t *testing.T) {
	tr := NewSessions()
	got := feed(t, tr, []step{
		{vncEv(t, 10, "VNC_CONNECTED", "58425", ""), Started},
		{vncEv(t, 11, "VNC_INITIALIZED", "58425", `, "sasl_username": "alice\u001b[2J", "x509_dname": "CN=alice"`), Updated},
		{vncEv(t, 12, "VNC_CONNECTED", "58426", ""), Started},
		{vncEv(t, 40, "VNC_DISCONNECTED", "58425", ""), Ended},
	})
	s := got[3]
	if s != got[0] || s.Client != "10.0.0.7:58425" || s.Auth != "sasl" || s.SASLUser != "alice\x1b[2J" || s.X509 != "CN=alice" {
		t.Errorf("session %+v", s)
	}
	if s.Start != time.Unix(10, 0) || s.Init != time.Unix(11, 0) || s.Duration(time.Time{}) != 30*time.Second {
		t.Errorf("times %v %v %v", s.Start, s.Init, s.Duration(time.Time{}))
	}
	if open := tr.Open(); len(open) != 1 || open[0].Client != "10.0.0.7:58426" {
		t.Errorf("open sessions %v", open)
	}
	if d := got[2].Duration(time.Unix(20, 0)); d != 8*time.Second {
		t.Errorf("open duration %v, want 8s", d)
	}
	ended := tr.EndAll("vm1", time.Unix(50, 0))
	if len(ended) != 1 || !ended[0].Ended || len(tr.Open()) != 0 {
		t.Errorf("EndAll: %v", ended)
	}
}

func TestEndedSessionsAreBounded(t *testing.T) {
	tr := NewSessions()
	for i := 0; i < KeepEnded+20; i++ {
		p := fmt.Sprint(20000 + i)
		tr.Observe(vncEv(t, int64(i), "VNC_CONNECTED", p, ""))
		tr.Observe(vncEv(t, int64(i), "VNC_DISCONNECTED", p, ""))
	}
	list := tr.List()
	if len(list) != KeepEnded || !strings.HasSuffix(list[0].Client, ":20020") {
		t.Errorf("%d sessions kept, first %s; want %d from :20020", len(list), list[0].Client, KeepEnded)
	}
}

func TestChannelName(t *testing.T) {
	for typ, want := range map[int64]string{1: "main", 4: "cursor", 9: "usbredir", 11: "webdav", 12: "type-12", 0: "type-0", -3: "type--3"} {
		if got := ChannelName(typ); got != want {
			t.Errorf("ChannelName(%d) = %q, want %q", typ, got, want)
		}
	}
}

// A counting user keeps no ended sessions; OpenCount counts the open ones by
// protocol without listing them.
func TestSessionsKeepEndedAtMost(t *testing.T) {
	tr := NewSessions()
	tr.KeepEndedAtMost(0)
	for i := range 5 {
		p := fmt.Sprint(20000 + i)
		tr.Observe(vncEv(t, int64(i), "VNC_CONNECTED", p, ""))
		if i%2 == 0 {
			tr.Observe(vncEv(t, int64(i), "VNC_DISCONNECTED", p, ""))
		}
	}
	if vnc, spice := tr.OpenCount(); vnc != 2 || spice != 0 {
		t.Errorf("OpenCount = %d VNC, %d SPICE; want 2, 0", vnc, spice)
	}
	for _, s := range tr.List() {
		if s.Ended {
			t.Errorf("an ended session was kept: %s", s.Client)
		}
	}
}
