// Package sim serves a recorded QEMU session as a real QMP monitor: the
// greeting, capabilities negotiation, answers to the read-only queries, QMP
// errors for everything else, and the recorded events at their recorded pace.
// Scripts and dashboards can be tested against it without a VM, and so are
// qmpwatch's own commands.
package sim

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"io"
	"os"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/fileguard"
	"github.com/qmpwatch/qmpwatch/internal/logfile"
)

// Demo is a session recorded from a real QEMU 7.2 (VNC and SPICE clients, a
// mirror block job, an ejected CD, a guest I/O error that stops the VM, a
// guest reset and a guest shutdown), as a raw QMP transcript.
//
//go:embed demo.qmp
var Demo []byte

// Recording is a log to serve: any input logfile reads (a raw QMP transcript,
// qmpwatch json lines, virsh output, gzip). Its events are streamed from the
// source for each client, so a recording of millions of events costs no
// memory; the rest is collected once by Load.
type Recording struct {
	Name string // the input, for messages

	Greeting []byte // the recorded greeting, or nil
	Version  []byte // a recorded query-version return, or nil
	Schema   []byte // a recorded query-qmp-schema return, or nil
	VMName   []byte // a recorded query-name return, or nil
	Events   int    // how many events one pass serves

	firstVM string // the vm of the first event, when the log names one
	open    func() (io.ReadCloser, error)
}

// LoadFile reads the recording at path. It is read once here and again on
// every pass, so it must be a regular file: a FIFO would give its events
// once, and its open would wait for a writer where no signal reaches it.
func LoadFile(ctx context.Context, path string) (*Recording, error) {
	if err := fileguard.Regular(path, "simulate reads a recording again on every pass"); err != nil {
		var nr *fileguard.NotRegularError
		if errors.As(err, &nr) {
			nr.Path = "" // the caller names the recording
		}
		return nil, err
	}
	return Load(ctx, path, func() (io.ReadCloser, error) { return os.Open(path) })
}

// LoadBytes reads a recording held in memory, such as Demo.
func LoadBytes(ctx context.Context, name string, b []byte) (*Recording, error) {
	return Load(ctx, name, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
}

// ErrNoEvents means a recording holds no event to serve.
var ErrNoEvents = errors.New("the recording holds no events")

// Load reads a recording once, to find its greeting and replies and count
// its events. Lines that are not events are skipped silently here; replay
// is the command that reports them.
func Load(ctx context.Context, name string, open func() (io.ReadCloser, error)) (*Recording, error) {
	rec := &Recording{Name: name, open: open}
	r, closer, err := rec.reader(func(m *decode.Message) { rec.keep(m) })
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	for {
		ev, err := r.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if rec.Events == 0 && ev.HasVM {
			rec.firstVM = ev.VM
		}
		rec.Events++
	}
	if rec.Events == 0 {
		return nil, ErrNoEvents
	}
	return rec, nil
}

// reader opens a fresh pass over the recording's events.
func (rec *Recording) reader(onMsg func(*decode.Message)) (*logfile.Reader, io.Closer, error) {
	f, err := rec.open()
	if err != nil {
		return nil, nil, err
	}
	r, err := logfile.NewReader(f, logfile.Options{Name: rec.Name, OnMessage: onMsg})
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return r, closers{r, f}, nil
}

type closers []io.Closer

func (cs closers) Close() error {
	for _, c := range cs {
		c.Close()
	}
	return nil
}

// keep remembers the first greeting and the replies whose shape says which
// query they answer (transcripts hold replies, not the commands).
func (rec *Recording) keep(m *decode.Message) {
	own := func(b []byte) []byte { return append([]byte(nil), b...) }
	switch m.Kind {
	case decode.MsgGreeting:
		if rec.Greeting == nil {
			rec.Greeting = own(m.Raw)
		}
	case decode.MsgReturn:
		v, err := decode.Parse(m.Return)
		if err != nil {
			return
		}
		switch {
		case v.Kind == decode.Array && len(v.Items) > 0 && hasKey(v.Items[0], "meta-type"):
			rec.Schema = own(m.Return)
		case hasKey(v, "qemu") && hasKey(v, "package"):
			rec.Version = own(m.Return)
		case v.Kind == decode.Object && len(v.Members) == 1 && hasKey(v, "name"):
			rec.VMName = own(m.Return)
		}
	}
}

func hasKey(v decode.Value, k string) bool {
	_, ok := v.Get(k)
	return ok
}
