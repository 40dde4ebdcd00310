package fleet

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	// AckWait is how long the server waits for a durable reader's
	// acknowledgement before it sends the event again; the server's
	// default (30 s) when 0. Only a consumer being created takes it.
	AckWait time.Duration
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
	// contradicted: VM labels whose messages had another vm or host in
	// their body, already said.
	contradicted map[string]bool
	// closing: the end of the connection is ours, not news
	closing atomic.Bool
	opened  atomic.Bool
	refused atomic.Value // string: a permission refused while opening

	// durable: the events given out and not yet processed, in order,
	// and the stream sequences that tell a redelivery (see fresh).
	mu         sync.Mutex
	pending    map[*decode.Event]jetstream.Msg
	order      []*decode.Event
	pendingSeq map[uint64]bool
	given      seqWindow // the stream sequences given out (durable)
	acked      uint64    // the highest stream sequence acknowledged by Processed
	cons       jetstream.Consumer
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
	fmt.Fprint(o.Notes, o.credsWarning())
	if err := o.Selection.Validate(); err != nil {
		return nil, err
	}
	r := &Reader{o: o, seen: map[string]bool{}, contradicted: map[string]bool{}, pending: map[*decode.Event]jetstream.Msg{}, pendingSeq: map[uint64]bool{}}
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
	s, err := js.Stream(ctx, o.Stream)
	if err != nil {
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return fmt.Errorf("%s: stream %s not found (a publisher creates it: qmpwatch watch|serve --publish)", o.Redacted(), o.Stream)
		}
		return r.apiError(err)
	}
	filter := o.FilterSubject()
	if err := r.checkShape(s.CachedInfo().Config, filter); err != nil {
		return err
	}
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
	r.cons = cons
	if r.it, err = cons.Messages(mo...); err != nil {
		return r.apiError(err)
	}
	return nil
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
		seq, fresh := r.fresh(m)
		if !fresh {
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
			r.pendingSeq[seq] = true
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
	if raw, changed := msg.WithVMHost(vm, host); changed {
		r.disagrees(m.Subject(), &msg)
		if msg, err = decode.ScanMessage(raw); err != nil {
			return nil, err
		}
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

// disagrees says, once per subject's VM, that a message body named another
// VM or host than its subject (or none): the subject is what the server's
// permissions protect, so it wins, in every output format.
func (r *Reader) disagrees(subject string, msg *decode.Message) {
	host, vm, _, _ := ParseSubject(subject)
	label := Label(host, vm)
	if r.contradicted[label] {
		return
	}
	r.contradicted[label] = true
	fmt.Fprintf(r.o.Notes, "qmpwatch: nats: a message on %s names vm %q host %q in its body; shown as the subject's %s (said once per VM)\n",
		safe.String(subject), safe.String(msg.VM), safe.String(msg.Host), safe.String(label))
}

// Label is how a reader names a VM of the fleet.
func Label(host, vm string) string { return host + "/" + vm }

// Close stops reading. A durable reader has its acknowledgements reach the
// server first (a round trip after them), so the server knows exactly where
// the next reader of that name starts; events it received but did not
// process are sent again to that reader (see durable).
func (r *Reader) Close() {
	r.closing.Store(true)
	r.it.Stop()
	if err := r.confirmAcks(); err != nil {
		fmt.Fprintf(r.o.Notes, "qmpwatch: nats: durable %s: acknowledgements not confirmed: %s\n", r.o.Durable, safe.String(err.Error()))
	}
	r.nc.Close()
}
