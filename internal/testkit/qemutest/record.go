package qemutest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// DialMonitor connects to a monitor address as VM.Monitor spells it: a unix
// socket path, or "tcp:HOST:PORT".
func DialMonitor(addr string) (net.Conn, error) {
	if rest, ok := strings.CutPrefix(addr, "tcp:"); ok {
		return net.DialTimeout("tcp", rest, clientTimeout)
	}
	return net.DialTimeout("unix", addr, clientTimeout)
}

// Recorder is a plain QMP client on the tool's monitor (VM.Monitor) that
// keeps every line QEMU sends, byte for byte (QEMU ends lines with "\r\n").
// It is how testdata/recordings are made, and a way for tests to see exactly
// what the tool under test would see.
type Recorder struct {
	conn net.Conn
	mu   sync.Mutex
	buf  bytes.Buffer
	more chan struct{} // closed and replaced on every line and at EOF
	eof  bool
	err  error // the read error that ended the stream (io.EOF, reset, ...)
	done chan struct{}
}

// Record connects to v's tool monitor and does the handshake a typical tool
// does: qmp_capabilities, then {"execute":"query-name","id":1} and
// {"execute":"query-status","id":2}. It returns once the query-status reply
// has arrived, so events the test triggers afterwards are all seen.
func Record(t testing.TB, v *VM) *Recorder {
	t.Helper()
	c, err := DialMonitor(v.Monitor)
	if err != nil {
		t.Fatalf("qemutest: recorder: %v", err)
	}
	r := &Recorder{conn: c, more: make(chan struct{}), done: make(chan struct{})}
	t.Cleanup(func() { c.Close(); <-r.done })
	go r.read()
	if _, err := r.waitLine(`"QMP"`, clientTimeout); err != nil {
		t.Fatalf("qemutest: recorder: greeting: %v", err)
	}
	r.Send(t, `{"execute":"qmp_capabilities"}`)
	if _, err := r.waitLine(`{"return": {}}`, clientTimeout); err != nil {
		t.Fatalf("qemutest: recorder: qmp_capabilities: %v", err)
	}
	r.Send(t, `{"execute":"query-name","id":1}`)
	r.Send(t, `{"execute":"query-status","id":2}`)
	if _, err := r.waitLine(`"id": 2}`, clientTimeout); err != nil {
		t.Fatalf("qemutest: recorder: query-status: %v", err)
	}
	return r
}

func (r *Recorder) read() {
	defer close(r.done)
	br := bufio.NewReader(r.conn)
	for {
		line, err := br.ReadBytes('\n')
		r.mu.Lock()
		r.buf.Write(line)
		if err != nil {
			r.eof, r.err = true, err
		}
		close(r.more)
		r.more = make(chan struct{})
		r.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// Send writes one command line to the monitor.
func (r *Recorder) Send(t testing.TB, line string) {
	t.Helper()
	if _, err := r.conn.Write([]byte(line + "\n")); err != nil {
		t.Fatalf("qemutest: recorder: send: %v", err)
	}
}

// waitLine waits for a complete line containing substr, searching
// everything received so far, and returns it.
func (r *Recorder) waitLine(substr string, timeout time.Duration) ([]byte, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		for _, l := range bytes.SplitAfter(r.buf.Bytes(), []byte("\n")) {
			if bytes.HasSuffix(l, []byte("\n")) && bytes.Contains(l, []byte(substr)) {
				r.mu.Unlock()
				return append([]byte(nil), l...), nil
			}
		}
		more, eof := r.more, r.eof
		r.mu.Unlock()
		if eof {
			return nil, fmt.Errorf("no line with %q before the stream ended", substr)
		}
		select {
		case <-more:
		case <-deadline.C:
			return nil, fmt.Errorf("no line with %q within %v", substr, timeout)
		}
	}
}

// WaitLine waits for a received line containing substr and returns it.
func (r *Recorder) WaitLine(t testing.TB, substr string, timeout time.Duration) []byte {
	t.Helper()
	l, err := r.waitLine(substr, timeout)
	if err != nil {
		t.Fatalf("qemutest: recorder: %v", err)
	}
	return l
}

// WaitEOF waits until QEMU closes the monitor (it does when it exits) and
// returns the read error that ended the stream (io.EOF or a reset).
func (r *Recorder) WaitEOF(t testing.TB, timeout time.Duration) error {
	t.Helper()
	select {
	case <-r.done:
		return r.err
	case <-time.After(timeout):
		t.Fatalf("qemutest: recorder: monitor still open after %v", timeout)
		return nil
	}
}

// Close disconnects the recorder from the monitor.
func (r *Recorder) Close() {
	r.conn.Close()
	<-r.done
}

// Bytes returns everything received so far, exactly as received.
func (r *Recorder) Bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]byte(nil), r.buf.Bytes()...)
}

// EventNames lists the events received so far, in order.
func (r *Recorder) EventNames() []string {
	var names []string
	for _, l := range bytes.Split(r.Bytes(), []byte("\n")) {
		var m struct {
			Event string `json:"event"`
		}
		if json.Unmarshal(l, &m) == nil && m.Event != "" {
			names = append(names, m.Event)
		}
	}
	return names
}
