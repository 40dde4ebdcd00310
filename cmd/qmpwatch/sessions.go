package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/live"
	"github.com/qmpwatch/qmpwatch/internal/logfile"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// trackOptions are the flags of the commands that track things across
// events (sessions, jobs): live monitors or --replay logs.
type trackOptions struct {
	output          string
	timeMode        string
	label           string
	replay          bool
	greetingTimeout time.Duration
	dialTimeout     time.Duration
	interval        time.Duration // jobs: how often progress is polled
}

func addTrackFlags(cmd *cobra.Command, o *trackOptions) {
	fs := cmd.Flags()
	// pretty and relative are accepted so that a config file written for
	// watch (output: pretty, time: relative) does not break these commands.
	fs.VarP(newEnum(&o.output, "", "table", "json", "pretty"), "output", "o", "output: table (redrawn live on a terminal; pretty is the same) or json (a record per change; the default in a pipe)")
	fs.Var(newEnum(&o.timeMode, "local", "local", "utc", "unix", "relative"), "time", "time format: local, utc, unix (relative reads as local)")
	fs.StringVar(&o.label, "label", "", "name the VM NAME instead of its -name (or the log file's name)")
	fs.BoolVar(&o.replay, "replay", false, "read logs (FILE... or - for stdin, in any format replay reads) instead of live monitors")
	fs.DurationVar(&o.greetingTimeout, "greeting-timeout", 5*time.Second, "how long to wait for QEMU's greeting after connecting")
	fs.DurationVar(&o.dialTimeout, "connect-timeout", 5*time.Second, "how long to wait for the connection")
}

// tracker is what sessions and jobs plug into the common loop.
type tracker interface {
	// observe takes one event and writes json records for what changed.
	observe(ev *decode.Event, w *trackWriter)
	// end is called when a live source ends: what was open there is over.
	end(vm string, at time.Time, w *trackWriter)
	// table appends the whole table.
	table(dst []byte, w *trackWriter) []byte
}

// trackWriter holds the output side: the format, the stream and the VMs'
// run states, shown above the table.
type trackWriter struct {
	out      *bufio.Writer
	json     bool
	live     bool // a terminal, not a replay: the full-screen view (internal/tui)
	timeMode string
	states   *track.States
	causes   *track.Causes
	vms      []string // in the order they appeared
	buf      []byte
	dirty    bool
}

func (w *trackWriter) addVM(vm string) {
	for _, v := range w.vms {
		if v == vm {
			return
		}
	}
	w.vms = append(w.vms, vm)
}

// record writes one json line.
func (w *trackWriter) record(b []byte) {
	w.out.Write(append(b, '\n'))
}

// stateLine appends "vm-alpha: running" lines, one per VM.
func (w *trackWriter) stateLines(dst []byte) []byte {
	for _, vm := range w.vms {
		dst = render.AppendSafe(dst, vm)
		dst = append(dst, ": "...)
		dst = render.AppendSafe(dst, w.states.Get(vm).String())
		dst = append(dst, '\n')
	}
	return dst
}

// fmtTime formats a time for a table cell; "-" when unknown.
func (w *trackWriter) fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	switch w.timeMode {
	case "utc":
		return t.UTC().Format("2006-01-02 15:04:05.000Z")
	case "unix":
		return strconv.FormatInt(t.Unix(), 10) + "." + fmt.Sprintf("%06d", t.Nanosecond()/1000)
	}
	return t.Format("2006-01-02 15:04:05.000")
}

// appendJSONTime appends a time as an RFC 3339 UTC string with
// microseconds, or null when unknown.
func appendJSONTime(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(dst, "null"...)
	}
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, "2006-01-02T15:04:05.000000Z07:00")
	return append(dst, '"')
}

// appendKey appends `,"key":` (without the comma for the first member).
func appendKey(dst []byte, key string) []byte {
	if len(dst) > 0 && dst[len(dst)-1] != '{' {
		dst = append(dst, ',')
	}
	dst = decode.AppendQuote(dst, key)
	return append(dst, ':')
}

// runTracker feeds t from live monitors or, with --replay, from logs, and
// writes the table or the records.
func runTracker(ctx context.Context, s *Streams, o *trackOptions, args []string, t tracker) error {
	w := &trackWriter{
		out:      bufio.NewWriterSize(s.Out, 64<<10),
		json:     o.output == "json" || (o.output == "" && !s.OutTTY),
		timeMode: o.timeMode,
		states:   track.NewStates(),
		causes:   track.NewCauses(decode.Builtin()),
	}
	w.live = !w.json && s.OutTTY && !o.replay
	if w.live {
		return runTrackerTUI(ctx, s, o, args, t)
	}
	var err error
	if o.replay {
		err = replayInto(ctx, s, o, args, t, w)
	} else {
		err = watchInto(ctx, s, o, args, t, w)
	}
	if !w.json && !w.live {
		w.buf = t.table(w.buf[:0], w)
		w.out.Write(w.buf)
	}
	if ferr := writeErr(w.out.Flush()); ferr != nil && err == nil {
		err = ferr
	}
	return err
}

// feed passes one event through the cause and state trackers, then t.
func (w *trackWriter) feed(t tracker, ev *decode.Event) {
	w.addVM(ev.VM)
	by := w.causes.Observe(ev)
	if w.states.Observe(ev, by) {
		w.dirty = true
	}
	t.observe(ev, w)
}

// flush writes the buffered records.
func (w *trackWriter) flush(t tracker) error {
	w.dirty = false
	return writeErr(w.out.Flush())
}

func replayInto(ctx context.Context, s *Streams, o *trackOptions, args []string, t tracker, w *trackWriter) error {
	for _, name := range args {
		if err := replayOne(ctx, s, o, name, t, w); err != nil {
			return err
		}
	}
	return nil
}

func replayOne(ctx context.Context, s *Streams, o *trackOptions, name string, t tracker, w *trackWriter) error {
	var label string
	lo := logfile.Options{
		Label: o.label,
		Warn:  func(e *logfile.LineError) { fmt.Fprintf(s.ErrOut, "qmpwatch: %s\n", e) },
		// A transcript holds the recorder's query-status reply: it seeds
		// the run state as a live connection would.
		OnMessage: func(m *decode.Message) {
			if m.Kind == decode.MsgReturn && seedable(m.Return) {
				if st, err := track.ParseStatus(m.Return); err == nil && label != "" {
					w.states.Seed(label, st)
					w.addVM(label)
				}
			}
		},
	}
	var r *logfile.Reader
	var err error
	if name == "-" {
		lo.Name = "stdin"
		r, err = logfile.NewReader(s.In, lo)
	} else {
		r, err = logfile.Open(name, lo)
	}
	if err != nil {
		return err
	}
	defer r.Close()
	label = o.label
	if label == "" {
		label = logfile.DefaultLabel(lo.Name)
		if name != "-" {
			label = logfile.DefaultLabel(name)
		}
	}
	for {
		ev, err := r.Next(ctx)
		if err != nil {
			if errors.Is(err, io.EOF) || ctx.Err() != nil {
				return nil
			}
			return err
		}
		w.feed(t, ev)
	}
}

// seedable reports whether a reply is query-status's.
func seedable(ret []byte) bool {
	v, err := decode.Parse(ret)
	if err != nil {
		return false
	}
	_, ok1 := v.Get("status")
	_, ok2 := v.Get("running")
	return ok1 && ok2
}

func watchInto(ctx context.Context, s *Streams, o *trackOptions, args []string, t tracker, w *trackWriter) error {
	addrs := make([]conn.Addr, len(args))
	for i, a := range args {
		addr, err := conn.ParseAddr(a)
		if err != nil {
			return withCode(exitUsage, err)
		}
		addrs[i] = addr
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	q := make(chan live.Item, 256)
	send := func(it live.Item) bool {
		select {
		case q <- it:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for _, addr := range addrs {
		go live.Watch(ctx, addr, o.liveOptions(), send)
	}
	failed, left := 0, len(addrs)
	for left > 0 {
		var it live.Item
		select {
		case it = <-q:
		default:
			if err := w.flush(t); err != nil {
				return err
			}
			select {
			case it = <-q:
			case <-ctx.Done():
				return nil
			}
		}
		if it.Note != "" {
			fmt.Fprintln(s.ErrOut, "qmpwatch: "+it.Note)
		}
		switch {
		case it.Seed != nil:
			fmt.Fprintln(s.ErrOut, "qmpwatch: "+it.Seed.Connection)
			w.addVM(it.VM)
			w.states.Seed(it.VM, it.Seed.RunState)
			w.dirty = true
			if sv, ok := t.(seeder); ok {
				sv.seed(it.VM, it.Seed, w)
			}
		case it.Progress != nil:
			if pv, ok := t.(progressor); ok {
				pv.progress(it.VM, it.Progress, w)
			}
		case it.Ev != nil:
			w.feed(t, it.Ev)
		case it.Ended:
			left--
			t.end(it.VM, time.Now(), w)
			w.causes.Forget(it.VM)
			w.dirty = true
			if it.Err != nil {
				failed++
				fmt.Fprintf(s.ErrOut, "qmpwatch: %s\n", it.Err)
			}
		}
	}
	if err := w.flush(t); err != nil {
		return err
	}
	if failed > 0 {
		return errReported{code: exitError}
	}
	return nil
}

// seeder is a tracker that takes what already ran at connect.
type seeder interface {
	seed(vm string, s *live.Seed, w *trackWriter)
}

// progressor is a tracker that takes polled job progress.
type progressor interface {
	progress(vm string, p *live.Progress, w *trackWriter)
}

// liveOptions are the options of a live source.
func (o *trackOptions) liveOptions() live.Options {
	return live.Options{Label: o.label, DialTimeout: o.dialTimeout, GreetingTimeout: o.greetingTimeout, Interval: o.interval}
}

func newSessionsCmd(a *app) *cobra.Command {
	o := &trackOptions{}
	cmd := &cobra.Command{
		Use:   "sessions ADDRESS... | --replay FILE...",
		Short: "Track the SPICE and VNC sessions of VMs",
		Long: `Track the remote-display sessions of one or more VMs, live from their QMP
monitors or, with --replay, from logs (qmpwatch json lines, raw QMP transcripts,
virsh qemu-monitor-event output; - reads stdin).

A VNC session is one client host and port: connected, initialized (auth,
SASL user name, x509 name), disconnected. A SPICE session is the set of channels
that share a connection-id; its main channel starts and ends it.

On a terminal the table is redrawn as sessions change. In a pipe, or with
-o json, one JSON record is written when a session starts and one when it ends;
after a replay, the final table (or, in json, the records). See docs/sessions.md.`,
		Example: `  qmpwatch sessions /run/vm1.qmp /run/vm2.qmp
  qmpwatch sessions --replay vm1.log -o json | jq 'select(.change == "end") | .duration'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTracker(cmd.Context(), a.streams, o, args, &sessionsView{tr: track.NewSessions()})
		},
	}
	addTrackFlags(cmd, o)
	return cmd
}

// sessionsView renders the sessions tracker.
type sessionsView struct {
	tr *track.Sessions
}

func (v *sessionsView) observe(ev *decode.Event, w *trackWriter) {
	sess, ch := v.tr.Observe(ev)
	if ch == track.NoChange {
		return
	}
	w.dirty = true
	if w.json && (ch == track.Started || ch == track.Ended) {
		w.record(appendSessionRecord(w.buf[:0], sess, ch))
	}
}

// seed takes the sessions open at connect; each gets a start record with
// a null start (it began before the watch).
func (v *sessionsView) seed(vm string, s *live.Seed, w *trackWriter) {
	var found []*track.Session
	for _, raw := range s.VNC {
		ss, _ := v.tr.SeedVNC(vm, s.At, raw)
		found = append(found, ss...)
	}
	if s.SPICE != nil {
		ss, _ := v.tr.SeedSPICE(vm, s.At, s.SPICE)
		found = append(found, ss...)
	}
	w.dirty = true
	for _, sess := range found {
		if w.json {
			w.record(appendSessionRecord(w.buf[:0], sess, track.Started))
		}
	}
}

func (v *sessionsView) end(vm string, at time.Time, w *trackWriter) {
	for _, sess := range v.tr.EndAll(vm, at) {
		if w.json {
			w.record(appendSessionRecord(w.buf[:0], sess, track.Ended))
		}
	}
}

// appendSessionRecord writes a session as a JSON object: see
// docs/sessions.md for the members.
func appendSessionRecord(dst []byte, s *track.Session, ch track.Change) []byte {
	dst = append(dst, '{')
	dst = appendKey(dst, "change")
	dst = decode.AppendQuote(dst, ch.String())
	dst = appendKey(dst, "vm")
	dst = decode.AppendQuote(dst, s.VM)
	dst = appendKey(dst, "protocol")
	dst = decode.AppendQuote(dst, s.Protocol)
	if s.ID != "" {
		dst = appendKey(dst, "id")
		dst = append(dst, s.ID...) // the number exactly as QEMU sent it
	}
	dst = appendKey(dst, "client")
	dst = decode.AppendQuote(dst, s.Client)
	dst = appendKey(dst, "start")
	dst = appendJSONTime(dst, s.Start)
	dst = appendKey(dst, "initialized")
	dst = appendJSONTime(dst, s.Init)
	dst = appendKey(dst, "end")
	if s.Ended {
		dst = appendJSONTime(dst, s.End)
	} else {
		dst = append(dst, "null"...)
	}
	dst = appendKey(dst, "duration")
	if s.Ended && !s.Start.IsZero() && !s.End.IsZero() {
		dst = strconv.AppendFloat(dst, s.Duration(s.End).Seconds(), 'f', 6, 64)
	} else {
		dst = append(dst, "null"...)
	}
	dst = appendKey(dst, "channels")
	dst = append(dst, '[')
	for i, n := range s.ChannelNames() {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = decode.AppendQuote(dst, n)
	}
	dst = append(dst, ']')
	dst = appendKey(dst, "tls")
	dst = strconv.AppendBool(dst, s.TLS)
	dst = appendKey(dst, "auth")
	dst = decode.AppendQuote(dst, s.Auth)
	if s.SASLUser != "" {
		dst = appendKey(dst, "sasl_username")
		dst = decode.AppendQuote(dst, s.SASLUser)
	}
	if s.X509 != "" {
		dst = appendKey(dst, "x509_dname")
		dst = decode.AppendQuote(dst, s.X509)
	}
	return append(dst, '}')
}

var sessionColumns = []string{"VM", "PROTO", "CLIENT", "ID", "START", "DURATION", "STATE", "TLS", "AUTH", "USER", "CHANNELS"}

func (v *sessionsView) table(dst []byte, w *trackWriter) []byte {
	dst = w.stateLines(dst)
	rows := [][]string{sessionColumns}
	now := time.Now()
	for _, s := range v.tr.List() {
		state, dur := "open", fmtDuration(s.Duration(now))
		if s.Ended {
			state, dur = "ended", fmtDuration(s.Duration(s.End))
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
		id := s.ID
		if id == "" {
			id = "-"
		}
		rows = append(rows, []string{s.VM, s.Protocol, s.Client, id, w.fmtTime(s.Start), dur, state, tls,
			orDash(s.Auth), orDash(user), orDash(strings.Join(s.ChannelNames(), ","))})
	}
	if len(rows) == 1 {
		return append(dst, "no sessions\n"...)
	}
	return appendTable(dst, rows)
}

// appendTable lays rows out in columns; every cell is escaped, for they
// hold strings from the wire (client names, SASL users).
func appendTable(dst []byte, rows [][]string) []byte {
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			r[i] = render.Safe(c)
			if n := len([]rune(r[i])); n > width[i] {
				width[i] = n
			}
		}
	}
	for _, r := range rows {
		for i, c := range r {
			dst = append(dst, c...)
			if i < len(r)-1 {
				dst = append(dst, strings.Repeat(" ", width[i]-len([]rune(c))+2)...)
			}
		}
		dst = append(dst, '\n')
	}
	return dst
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// fmtDuration prints a duration to the millisecond: 1m2.345s, 0.355s.
func fmtDuration(d time.Duration) string {
	return d.Round(time.Millisecond).String()
}
