package main

import (
	"context"
	"net"
	"path/filepath"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/exitcode"
)

// countingListener counts the connections it is offered: any attempt to
// reach a monitor, a NATS server or libvirtd at its address.
type countingListener struct {
	ln   net.Listener
	from chan string // the remote address of each accepted connection, in order
}

func listenCounting(t *testing.T) *countingListener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &countingListener{ln: ln, from: make(chan string, 1024)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			l.from <- c.RemoteAddr().String()
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return l
}

func (l *countingListener) addr() string { return l.ln.Addr().String() }

// offered is how many connections were offered since the last call: the
// test's own sentinel connection is accepted after every one made before
// it (the accept queue is in order), so none is missed.
func (l *countingListener) offered(t *testing.T) int {
	c, err := net.Dial("tcp", l.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	n := 0
	for from := range l.from {
		if from == c.LocalAddr().String() {
			return n
		}
		n++
	}
	return n
}

// TestUsageErrorsConnectToNothing: a usage error (exit 2) comes before any
// connection is attempted, to a monitor or to a NATS server.
func TestUsageErrorsConnectToNothing(t *testing.T) {
	a, b := listenCounting(t), listenCounting(t)
	nats := listenCounting(t)
	A, B, N := "tcp:"+a.addr(), "tcp:"+b.addr(), "nats://"+nats.addr()
	for _, args := range [][]string{
		{"watch", A, B, "--label", "x", "--publish", N},
		{"serve", A, B, "--label", "x", "--publish", N},
		{"watch", N, "--since", "not-a-time"},
		{"sessions", N, "--since", "not-a-time"},
		{"jobs", N, "--since", "not-a-time", "-o", "json"},
		{"watch", A, "--publish", N, "-e", "["},
		{"watch", A, "--publish", N, "-o", "template", "--template", "{{"},
		{"watch", A, B, "--publish", N, "--template", "{{.Nope}}"}, // exit 3, naming the fields
		{"watch", A, "--publish", N, "--dir", filepath.Join(t.TempDir(), "nowhere")},
		{"watch", A, "--publish", N, "--host-label", "h", "--durable", "d"},
		{"watch", A, N, "--label", "x"},
		{"serve", A, "--publish", N, "--forget-after", "0s"},
		{"serve", A, "--publish", N, "--listen", "tcp:"},
		{"sessions", A, B, "--label", "x", "-o", "json"},
		{"top", A, "--since", "1h"},
		{"watch", "qemu+tcp://" + a.addr() + "/system", "--schema", "live", "--publish", N},
		{"sessions", "qemu+tcp://" + a.addr() + "/system", "--dir", ".", "-o", "json"},
		{"serve", "qemu+tcp://" + a.addr() + "/system", B, "--publish", N},
		{"status", "qemu+tcp://" + a.addr() + "/system", "--domain", "["},
	} {
		streams, _, errOut := testStreams("")
		code := run(context.Background(), args, streams)
		if code != exitcode.Usage && code != exitcode.Expr {
			t.Errorf("%q: exit %d (%s); want a usage error", args, code, errOut)
		}
		for _, l := range []*countingListener{a, b, nats} {
			if n := l.offered(t); n != 0 {
				t.Errorf("%q: %d connections offered to %s before its usage error %q", args, n, l.addr(), errOut)
			}
		}
	}
}

// TestSinceSameEverywhere: replay --since and watch nats:// --since take
// and refuse the same values (one parser); a refused one connects nowhere.
func TestSinceSameEverywhere(t *testing.T) {
	nats := listenCounting(t)
	log := filepath.Join("..", "..", "testdata", "replay", "mixed.log")
	for _, v := range []string{"1d", "1d12h", "90s", "2026-12-06 13:50", "2026-12-06 13:50:07", "2026-12-06T13:50",
		"2026-12-06", "2026-12-06T13:50:00Z", "yesterday", "-1h", "1.5d", "13:50", ""} {
		streams, _, replayErr := testStreams("")
		replayCode := run(context.Background(), []string{"replay", log, "--since", v, "-o", "json"}, streams)
		streams, _, watchErr := testStreams("")
		// Served by a listener that hangs up: an accepted value fails to
		// read the stream (exit 1), after one connection.
		watchCode := run(context.Background(), []string{"watch", "nats://" + nats.addr(), "--since", v}, streams)
		conns := nats.offered(t)
		refused := replayCode == exitcode.Usage
		if refused != (watchCode == exitcode.Usage) || refused == (conns > 0) {
			t.Errorf("--since %q: replay exit %d (%s), watch nats:// exit %d after %d connections (%s)",
				v, replayCode, replayErr, watchCode, conns, watchErr)
		}
		if wantRefused := v == "yesterday" || v == "-1h" || v == "1.5d" || v == "13:50"; refused != wantRefused && v != "" {
			t.Errorf("--since %q: refused %v, want %v", v, refused, wantRefused)
		}
	}
}
