package pipeline

import (
	"strings"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/live"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// SessionsView shows the SPICE and VNC sessions tracker (qmpwatch sessions).
type SessionsView struct{ tr *track.Sessions }

// NewSessionsView returns a view over a fresh sessions tracker.
func NewSessionsView() *SessionsView { return &SessionsView{tr: track.NewSessions()} }

// OnFull implements Bounded.
func (v *SessionsView) OnFull(fn func(track.Full)) { v.tr.OnFull(fn) }

// Observe implements View: a record when a session starts or ends.
func (v *SessionsView) Observe(ev *decode.Event, w *TrackWriter) {
	sess, ch := v.tr.Observe(ev)
	if ch == track.NoChange {
		return
	}
	w.Changed()
	if w.JSON() && (ch == track.Started || ch == track.Ended) {
		w.Record(SessionRecord(w.Buf(), sess, ch))
	}
}

// Seed implements Seeder: the sessions open at connect start, each with a
// null start (it began before qmpwatch looked).
func (v *SessionsView) Seed(vm string, s *live.Seed, w *TrackWriter) {
	var found []*track.Session
	for _, raw := range s.VNC {
		ss, _ := v.tr.SeedVNC(vm, s.At, raw)
		found = append(found, ss...)
	}
	if s.SPICE != nil {
		ss, _ := v.tr.SeedSPICE(vm, s.At, s.SPICE)
		found = append(found, ss...)
	}
	w.Changed()
	for _, sess := range found {
		if w.JSON() {
			w.Record(SessionRecord(w.Buf(), sess, track.Started))
		}
	}
}

// End implements View: every session still open on vm ends at at.
func (v *SessionsView) End(vm string, at time.Time, w *TrackWriter) {
	for _, sess := range v.tr.EndAll(vm, at) {
		if w.JSON() {
			w.Record(SessionRecord(w.Buf(), sess, track.Ended))
		}
	}
}

// SessionRecord appends a session as a JSON object: see docs/sessions.md
// for the members.
func SessionRecord(dst []byte, s *track.Session, ch track.Change) []byte {
	r := render.NewRecord(dst).Str("change", ch.String()).Str("vm", s.VM).Str("protocol", s.Protocol)
	if s.ID != "" {
		r.Lit("id", s.ID) // the number exactly as QEMU sent it
	}
	r.Str("client", s.Client).Time("start", s.Start).Time("initialized", s.Init)
	if s.Ended {
		r.Time("end", s.End)
	} else {
		r.Null("end")
	}
	if s.Ended && !s.Start.IsZero() && !s.End.IsZero() {
		r.Float("duration", s.Duration(s.End).Seconds(), 6)
	} else {
		r.Null("duration")
	}
	r.Strs("channels", s.ChannelNames()).Bool("tls", s.TLS).Str("auth", s.Auth)
	if s.SASLUser != "" {
		r.Str("sasl_username", s.SASLUser)
	}
	if s.X509 != "" {
		r.Str("x509_dname", s.X509)
	}
	return r.Bytes()
}

var sessionColumns = []string{"VM", "PROTO", "CLIENT", "ID", "START", "DURATION", "STATE", "TLS", "AUTH", "USER", "CHANNELS"}

// Table implements View.
func (v *SessionsView) Table(dst []byte, w *TrackWriter) []byte {
	dst = w.StateLines(dst)
	rows := [][]string{sessionColumns}
	now := time.Now()
	for _, s := range v.tr.List() {
		state, dur := "open", render.CellDuration(s.Duration(now))
		if s.Ended {
			state, dur = "ended", render.CellDuration(s.Duration(s.End))
		}
		if s.Start.IsZero() {
			dur = "?"
		}
		tls := "no"
		if s.TLS {
			tls = "yes"
		}
		user := s.SASLUser
		if s.X509 != "" {
			user = strings.TrimPrefix(user+" "+s.X509, " ")
		}
		rows = append(rows, []string{s.VM, s.Protocol, s.Client, render.OrDash(s.ID), w.Time(s.Start), dur, state, tls,
			render.OrDash(s.Auth), render.OrDash(user), render.OrDash(strings.Join(s.ChannelNames(), ","))})
	}
	if len(rows) == 1 {
		return append(dst, "no sessions\n"...)
	}
	return w.Table(dst, rows)
}
