package proxy

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
)

// running is a proxy served on a socket for a test, stopped at its end.
type running struct {
	p     *Proxy
	path  string
	ran   chan struct{}
	mu    sync.Mutex
	notes []Note
}

// startProxy shares addr at a socket in a temp folder.
func startProxy(t *testing.T, addr string, o Options) *running {
	t.Helper()
	a, err := conn.ParseAddr(addr)
	if err != nil {
		t.Fatal(err)
	}
	r := &running{path: filepath.Join(qemutest.ShortTempDir(t), "p.sock"), ran: make(chan struct{})}
	o.Addr = a
	o.Note = func(n Note) { r.mu.Lock(); r.notes = append(r.notes, n); r.mu.Unlock() }
	r.p = New(o)
	ctx, cancel := context.WithCancel(context.Background())
	if err := r.p.Connect(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	ln, err := source.ListenSocket(conn.Addr{Network: "unix", Address: r.path}, 0o600)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() { r.p.Run(ctx); close(r.ran) }()
	go r.p.Serve(ctx, ln)
	t.Cleanup(func() { cancel(); <-r.ran })
	return r
}

func (r *running) noted(kind NoteKind) []Note {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Note
	for _, n := range r.notes {
		if n.Kind == kind {
			out = append(out, n)
		}
	}
	return out
}

// qmpClient is a raw QMP client, as a manager's would be: it sends bytes
// and reads each message, so the test sees exactly what the proxy sends.
type qmpClient struct {
	t  testing.TB
	nc net.Conn
	r  *bufio.Reader
}

func dialQMP(t testing.TB, path string) *qmpClient {
	t.Helper()
	nc, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &qmpClient{t: t, nc: nc, r: bufio.NewReaderSize(nc, 1<<20)}
}

func (c *qmpClient) send(s string) {
	c.t.Helper()
	if _, err := c.nc.Write([]byte(s + "\n")); err != nil {
		c.t.Fatal(err)
	}
}

// msg reads the next message as a generic value, failing after 30 s.
func (c *qmpClient) msg() map[string]any {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(30 * time.Second))
	line, err := c.r.ReadBytes('\n')
	if err != nil {
		c.t.Fatalf("reading: %v (after %q)", err, line)
	}
	var m map[string]any
	if err := json.Unmarshal(line, &m); err != nil {
		c.t.Fatalf("%q: %v", line, err)
	}
	return m
}

// reply reads up to the next reply, returning the events before it.
func (c *qmpClient) reply() (rep map[string]any, events []map[string]any) {
	c.t.Helper()
	for {
		m := c.msg()
		if _, ok := m["event"]; ok {
			events = append(events, m)
			continue
		}
		return m, events
	}
}

// negotiate reads the greeting and negotiates.
func (c *qmpClient) negotiate() map[string]any {
	c.t.Helper()
	g := c.msg()
	c.send(`{"execute": "qmp_capabilities"}`)
	if rep, _ := c.reply(); !reflect.DeepEqual(rep, map[string]any{"return": map[string]any{}}) {
		c.t.Fatalf("qmp_capabilities: %v", rep)
	}
	return g
}

// eventKeys are events as "NAME seconds.micros", to compare streams.
func eventKeys(evs []map[string]any) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		b, _ := json.Marshal([]any{e["event"], e["timestamp"], e["data"]})
		out[i] = string(b)
	}
	return out
}

func rawEventKeys(raws []json.RawMessage) []string {
	evs := make([]map[string]any, len(raws))
	for i, r := range raws {
		json.Unmarshal(r, &evs[i])
	}
	return eventKeys(evs)
}
