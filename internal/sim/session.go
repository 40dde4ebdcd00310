package sim

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// defaultGreeting is what a QEMU 7.2 without a recorded greeting says.
const defaultGreeting = `{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": ["oob"]}}`

// session is one client's connection. Replies and events share the one
// buffered writer, under mu, as they share QEMU's one stream.
type session struct {
	s      *Server
	c      net.Conn
	mu     sync.Mutex
	w      *bufio.Writer
	buf    []byte
	status string    // run state for query-status, following STOP/RESUME/SHUTDOWN
	asked  time.Time // when the last command arrived

	statusAsked bool          // query-status was answered (under mu)
	askedStatus chan struct{} // closed then: the events may begin
}

// linger is how long a session stays open after its last event while the
// client is still sending commands: a client that asks query-name right
// after qmp_capabilities gets its answer even from a recording that is
// played in a flash.
const linger = 500 * time.Millisecond

func (s *Server) session(ctx context.Context, c net.Conn) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	ss := &session{s: s, c: c, w: bufio.NewWriterSize(c, 64<<10), status: "running", askedStatus: make(chan struct{})}
	greeting := s.rec.Greeting
	if greeting == nil {
		greeting = []byte(defaultGreeting)
	}
	if err := ss.send(greeting); err != nil {
		return err
	}
	fr := decode.NewFramer(c)
	// Until qmp_capabilities, QEMU sends no events and runs no command.
	for {
		cmd, id, err := readCommand(fr)
		if err != nil {
			return ss.inputError(err)
		}
		if cmd == "qmp_capabilities" {
			ss.asked = time.Now()
			if err := ss.reply(id, "{}"); err != nil {
				return err
			}
			break
		}
		if err := ss.fail(id, "CommandNotFound", "Expecting capabilities negotiation with 'qmp_capabilities'"); err != nil {
			return err
		}
	}
	events := make(chan error, 1)
	go func() {
		if err := ss.awaitConnect(ctx); err != nil {
			events <- nil // ended before any event: the client left
			return
		}
		events <- ss.sendEvents(ctx)
	}()
	cmds := make(chan error, 1)
	go func() { cmds <- ss.commands(fr) }()
	select {
	case err := <-cmds:
		// The client left (or spoke garbage): stop sending.
		cancel()
		<-events
		return err
	case err := <-events:
		if err != nil {
			return err
		}
		// The recording is over: like QEMU after its last event, end the
		// session, once the client has been quiet for a moment.
		if !ss.quiet(ctx, cmds) {
			return nil
		}
		// Half-close first and let the client read to the end, so
		// that no unread command can turn the close into a reset that loses
		// the last events.
		if cw, ok := c.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
			select {
			case <-cmds:
			case <-time.After(5 * time.Second):
			case <-ctx.Done():
			}
		}
		return nil
	}
}

// quiet waits until no command arrived for linger (at most 10 s). It
// reports false when the client left or ctx ended meanwhile.
func (ss *session) quiet(ctx context.Context, cmds <-chan error) bool {
	deadline := time.Now().Add(10 * time.Second)
	for {
		ss.mu.Lock()
		wait := linger - time.Since(ss.asked)
		ss.mu.Unlock()
		if wait <= 0 || time.Now().After(deadline) {
			return true
		}
		select {
		case <-cmds:
			return false
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
	}
}

// commands answers the client's commands until it leaves.
func (ss *session) commands(fr *decode.Framer) error {
	for {
		cmd, id, err := readCommand(fr)
		ss.mu.Lock()
		ss.asked = time.Now()
		ss.mu.Unlock()
		if err != nil {
			return ss.inputError(err)
		}
		if err := ss.answer(cmd, id); err != nil {
			return err
		}
	}
}

// inputError ends a session on a read error: a client leaving is normal;
// input that is not JSON gets QEMU's error before the connection closes.
func (ss *session) inputError(err error) error {
	var ce *commandError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		return nil
	case errors.As(err, &ce):
		ss.fail(nil, "GenericError", ce.desc)
		return err
	}
	var ge *decode.GarbageError
	if errors.As(err, &ge) {
		ss.fail(nil, "GenericError", "JSON parse error, invalid input")
	}
	return err
}

// answer replies to one command after the negotiation.
func (ss *session) answer(cmd string, id []byte) error {
	rec := ss.s.rec
	switch cmd {
	case "qmp_capabilities":
		return ss.fail(id, "CommandNotFound", "Capabilities negotiation is already complete, command ignored")
	case "query-name":
		if rec.VMName != nil {
			return ss.reply(id, string(rec.VMName))
		}
		name := ss.s.o.Name
		if name == "" {
			name = rec.firstVM
		}
		if name == "" {
			return ss.reply(id, "{}")
		}
		return ss.reply(id, `{"name": `+string(decode.AppendQuote(nil, name))+`}`)
	case "query-status":
		ss.mu.Lock()
		st := ss.status
		ss.mu.Unlock()
		err := ss.reply(id, `{"status": "`+st+`", "singlestep": false, "running": `+strconv.FormatBool(st == "running")+`}`)
		ss.mu.Lock()
		if !ss.statusAsked {
			ss.statusAsked = true
			close(ss.askedStatus)
		}
		ss.mu.Unlock()
		return err
	case "query-version":
		if rec.Version != nil {
			return ss.reply(id, string(rec.Version))
		}
		return ss.reply(id, greetingVersion(rec.Greeting))
	case "query-qmp-schema":
		if rec.Schema != nil {
			return ss.reply(id, string(rec.Schema))
		}
	}
	return ss.fail(id, "CommandNotFound", "The command "+cmd+" has not been found")
}

// greetingVersion is query-version's answer taken from the greeting, whose
// QMP.version member has the same shape.
func greetingVersion(greeting []byte) string {
	if greeting == nil {
		greeting = []byte(defaultGreeting)
	}
	if m, err := decode.ScanMessage(greeting); err == nil && m.QMP != nil {
		if v, err := decode.Parse(m.QMP); err == nil {
			if ver, ok := v.Get("version"); ok {
				return ver.String()
			}
		}
	}
	return `{"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}`
}

// commandError is a well-formed JSON value that is not a QMP command.
type commandError struct{ desc string }

func (e *commandError) Error() string { return e.desc }

// readCommand reads one {"execute": NAME, "arguments": ..., "id": ...}.
func readCommand(fr *decode.Framer) (cmd string, id []byte, err error) {
	raw, err := fr.Next()
	if err != nil {
		return "", nil, err
	}
	v, err := decode.Parse(raw)
	if err != nil {
		return "", nil, &commandError{"JSON parse error, " + err.Error()}
	}
	if idv, ok := v.Get("id"); ok {
		id = idv.AppendJSON(nil)
	}
	ex, ok := v.Get("execute")
	if !ok {
		ex, ok = v.Get("exec-oob")
	}
	if !ok || ex.Kind != decode.String {
		return "", id, &commandError{"QMP input lacks member 'execute'"}
	}
	return ex.Text, id, nil
}

func (ss *session) reply(id []byte, ret string) error {
	b := append([]byte(`{"return": `), ret...)
	return ss.send(withID(b, id))
}

func (ss *session) fail(id []byte, class, desc string) error {
	b := append([]byte(`{"error": {"class": "`), class...)
	b = append(b, `", "desc": `...)
	b = decode.AppendQuote(b, desc)
	b = append(b, '}')
	return ss.send(withID(b, id))
}

func withID(b, id []byte) []byte {
	if id != nil {
		b = append(b, `, "id": `...)
		b = append(b, id...)
	}
	return append(b, '}')
}

// send writes one message and flushes it.
func (ss *session) send(msg []byte) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.w.Write(msg)
	ss.w.WriteString("\r\n")
	return ss.w.Flush()
}
