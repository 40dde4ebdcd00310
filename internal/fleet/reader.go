package fleet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/safe"
)

// ReaderOptions configure a Reader.
type ReaderOptions struct {
	Access
	Stream string // DefaultStream when empty
	Selection
	// Since starts that far back in the stream; the zero time means live
	// from now.
	Since time.Time
	// Durable names a consumer the server keeps: a reader with the same
	// name resumes after the last event the previous one processed.
	Durable string
	// NewVM is called from Next the first time a VM appears, with its
	// label and the QEMU version its messages carry.
	NewVM func(label string, qemu decode.Version)
	// Notes gets a line when the connection drops and comes back.
	Notes io.Writer
}

// Reader reads qmpwatch's events back from the stream. By default it uses
// an ordered, ephemeral consumer (nothing stays on the server when it
// stops); with Durable, a durable consumer whose acknowledgements record
// what was processed (see Processed).
type Reader struct {
	o    ReaderOptions
	nc   *nats.Conn
	it   jetstream.MessagesContext
	seen map[string]bool
	// closing: the end of the connection is ours, not news
	closing atomic.Bool
	opened  atomic.Bool
	refused atomic.Value // string: a permission refused while opening

	mu      sync.Mutex
	pending map[*decode.Event]jetstream.Msg // durable: given out, not yet processed
	order   []*decode.Event
	last    jetstream.Msg // processed, acknowledgement not yet sent
}

// Open connects, checks the stream and creates the consumer. Its errors are
// one line each: server unreachable, authentication refused, stream missing,
// subject not allowed.
func Open(ctx context.Context, o ReaderOptions) (*Reader, error) {
	if o.Stream == "" {
		o.Stream = DefaultStream
	}
	if o.Notes == nil {
		o.Notes = io.Discard
	}
	if o.Name == "" {
		o.Name = "qmpwatch reader"
	}
	if err := o.Selection.Validate(); err != nil {
		return nil, err
	}
	r := &Reader{o: o, seen: map[string]bool{}, pending: map[*decode.Event]jetstream.Msg{}}
	// While opening, a refused subject is kept for Open's one-line
	// error; afterwards it is a note.
	onErr := func(err error) {
		if !r.opened.Load() {
			r.refused.Store(err.Error())
			return
		}
		fmt.Fprintf(o.Notes, "qmpwatch: nats: %s: %s\n", o.Redacted(), safe.String(err.Error()))
	}
	nc, err := nats.Connect(o.URL, o.optionsWith(onErr,
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.DisconnectErrHandler(func(*nats.Conn, error) {
			if r.closing.Load() {
				return
			}
			fmt.Fprintf(o.Notes, "qmpwatch: nats: lost %s; reconnecting\n", o.Redacted())
		}),
		nats.ReconnectHandler(func(*nats.Conn) {
			fmt.Fprintf(o.Notes, "qmpwatch: nats: reconnected to %s\n", o.Redacted())
		}),
	)...)
	if err != nil {
		return nil, o.connectError(err)
	}
	r.nc = nc
	if err := r.open(ctx); err != nil {
		r.closing.Store(true)
		nc.Close()
		return nil, err
	}
	r.opened.Store(true)
	return r, nil
}

func (r *Reader) open(ctx context.Context) error {
	o := r.o
	js, err := jetstream.New(r.nc)
	if err != nil {
		return fmt.Errorf("%s: %w", o.Redacted(), err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := js.Stream(ctx, o.Stream); err != nil {
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return fmt.Errorf("%s: stream %s not found (a publisher creates it: qmpwatch watch|serve --publish)", o.Redacted(), o.Stream)
		}
		return r.apiError(err)
	}
	filter := o.FilterSubject()
	var cons jetstream.Consumer
	if o.Durable == "" {
		cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}, DeliverPolicy: jetstream.DeliverNewPolicy}
		if !o.Since.IsZero() {
			t := o.Since
			cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartTimePolicy, &t
		}
		cons, err = js.OrderedConsumer(ctx, o.Stream, cfg)
	} else {
		cons, err = r.durable(ctx, js, filter)
	}
	if err != nil {
		return r.apiError(err)
	}
	var mo []jetstream.PullMessagesOpt
	if o.Durable != "" {
		mo = append(mo, jetstream.PullMaxMessages(256))
	}
	if r.it, err = cons.Messages(mo...); err != nil {
		return r.apiError(err)
	}
	return nil
}

// durable gets the named consumer, or creates it starting live (or at
// Since). An existing consumer keeps its position: that is the point.
func (r *Reader) durable(ctx context.Context, js jetstream.JetStream, filter string) (jetstream.Consumer, error) {
	o := r.o
	c, err := js.Consumer(ctx, o.Stream, o.Durable)
	if err == nil {
		cfg := c.CachedInfo().Config
		if cfg.FilterSubject != filter {
			return nil, fmt.Errorf("durable consumer %s filters %s, not %s: use the same --host/--vm/-e or another --durable name", o.Durable, cfg.FilterSubject, filter)
		}
		info := c.CachedInfo()
		if info.NumAckPending == 0 && info.NumRedelivered == 0 {
			return c, nil
		}
		// The previous reader stopped with events it had received but
		// not processed. The server would send them again only after
		// the acknowledgement wait, after newer ones: start over right
		// after the last processed event instead.
		if err := js.DeleteConsumer(ctx, o.Stream, o.Durable); err != nil {
			return nil, err
		}
		cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartSequencePolicy, nil
		cfg.OptStartSeq = info.AckFloor.Stream + 1
		return js.CreateConsumer(ctx, o.Stream, cfg)
	}
	if !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return nil, err
	}
	cfg := jetstream.ConsumerConfig{
		Durable:       o.Durable,
		Description:   "qmpwatch --durable reader",
		FilterSubject: filter,
		AckPolicy:     jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverNewPolicy,
		MaxAckPending: 4096,
	}
	if !o.Since.IsZero() {
		t := o.Since
		cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartTimePolicy, &t
	}
	return js.CreateConsumer(ctx, o.Stream, cfg)
}

// apiError names the refusals a user can fix.
func (r *Reader) apiError(err error) error {
	msg := err.Error()
	if refused, _ := r.refused.Load().(string); refused != "" {
		err, msg = errors.New(safe.String(refused)), refused
	}
	if strings.Contains(strings.ToLower(msg), "permission") {
		return fmt.Errorf("%s: subject not allowed for this user (filter %s on stream %s): %w", r.o.Redacted(), r.o.FilterSubject(), r.o.Stream, err)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) || errors.Is(err, jetstream.ErrJetStreamNotEnabled) {
		return fmt.Errorf("%s: no JetStream answer (is JetStream enabled, does the user have access to $JS.API?): %w", r.o.Redacted(), err)
	}
	return fmt.Errorf("%s: %w", r.o.Redacted(), err)
}

// Next returns the next event. Its VM label is "<host>/<vm>"; its raw
// bytes are the published json line, "vm" and "host" included.
func (r *Reader) Next(ctx context.Context) (*decode.Event, error) {
	noted := ""
	for {
		m, err := r.it.Next(jetstream.NextContext(ctx))
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return nil, io.EOF
			}
			if errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrStreamNotFound) {
				return nil, fmt.Errorf("%s: %w", r.o.Redacted(), err)
			}
			// Heartbeats missed while the server is away: the
			// iterator recovers by itself once it is back.
			if err.Error() != noted {
				noted = err.Error()
				fmt.Fprintf(r.o.Notes, "qmpwatch: nats: %s\n", safe.String(noted))
			}
			if !sleep(ctx, 100*time.Millisecond) {
				return nil, ctx.Err()
			}
			continue
		}
		ev, err := r.event(m)
		if err != nil {
			// Not one of ours: say so, skip it, never stop on it.
			fmt.Fprintf(r.o.Notes, "qmpwatch: nats: skipped a message on %s: %s\n", safe.String(m.Subject()), safe.String(err.Error()))
			if r.o.Durable != "" {
				_ = m.Ack()
			}
			continue
		}
		if ev == nil {
			if r.o.Durable != "" {
				_ = m.Ack()
			}
			continue
		}
		if r.o.Durable != "" {
			r.mu.Lock()
			r.pending[ev] = m
			r.order = append(r.order, ev)
			r.mu.Unlock()
		}
		return ev, nil
	}
}

// event decodes one message; nil when the globs refuse its host or VM.
func (r *Reader) event(m jetstream.Msg) (*decode.Event, error) {
	host, vm, _, err := ParseSubject(m.Subject())
	if err != nil {
		return nil, err
	}
	if !r.o.Match(host, vm) {
		return nil, nil
	}
	msg, err := decode.ScanMessage(m.Data())
	if err != nil {
		return nil, err
	}
	if msg.Kind != decode.MsgEvent {
		return nil, errors.New("not a QMP event")
	}
	ev := decode.NewEvent(&msg, vm)
	ev.VM = Label(host, vm)
	ev.QEMU, _ = decode.ParseVersion(m.Headers().Get(HeaderQEMU)) // unknown when absent
	if !r.seen[ev.VM] {
		r.seen[ev.VM] = true
		if r.o.NewVM != nil {
			r.o.NewVM(ev.VM, ev.QEMU)
		}
	}
	return ev, nil
}

// Label is how a reader names a VM of the fleet.
func Label(host, vm string) string { return host + "/" + vm }

// Processed acknowledges, for a durable reader, ev and every event given
// out before it: the consumer then resumes after it. Call it once an event
// has been handled (shown, or refused by the filters). It does nothing for
// other readers and other events.
func (r *Reader) Processed(ev *decode.Event) {
	if r.o.Durable == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.pending[ev]; !ok {
		return
	}
	for len(r.order) > 0 {
		e := r.order[0]
		r.order = r.order[1:]
		// Each acknowledgement goes out when the next one is due; the
		// last one waits for Close, which has the server confirm it.
		if r.last != nil {
			_ = r.last.Ack()
		}
		r.last = r.pending[e]
		delete(r.pending, e)
		if e == ev {
			return
		}
	}
}

// Close stops reading. A durable reader has its last acknowledgement
// confirmed, so the server knows exactly where the next reader of that name
// starts; events it received but did not process are sent again to that
// reader (see durable).
func (r *Reader) Close() {
	r.closing.Store(true)
	r.it.Stop()
	r.mu.Lock()
	last := r.last
	r.last = nil
	r.mu.Unlock()
	if last != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := last.DoubleAck(ctx); err != nil {
			fmt.Fprintf(r.o.Notes, "qmpwatch: nats: durable %s: last acknowledgement not confirmed: %s\n", r.o.Durable, safe.String(err.Error()))
		}
		cancel()
	}
	r.nc.Close()
}
