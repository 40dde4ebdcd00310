package source

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/testkit/conntest"
)

// qemuSide plays QEMU on one connection: greeting, replies to
// qmp_capabilities and query-name, then the events, then hang-up (unless
// hold is set, in which case it waits until the client goes away).
func qemuSide(c net.Conn, name string, events []string, hold bool) error {
	defer c.Close()
	r, err := handshake(c, name)
	if err != nil {
		return err
	}
	for _, e := range events {
		if _, err := fmt.Fprintf(c, "%s\r\n", e); err != nil {
			return err
		}
	}
	if hold {
		r.ReadBytes('\n')
	}
	return nil
}

// handshake plays QEMU's part up to the first event: greeting, and the
// replies to qmp_capabilities and query-name.
func handshake(c net.Conn, name string) (*bufio.Reader, error) {
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := fmt.Fprintf(c, "%s\r\n", conntest.Greeting); err != nil {
		return nil, err
	}
	r := bufio.NewReader(c)
	for _, want := range []string{"qmp_capabilities", "query-name"} {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return nil, fmt.Errorf("waiting for %s: %w", want, err)
		}
		var cmd struct {
			Execute string          `json:"execute"`
			ID      json.RawMessage `json:"id"`
		}
		if err := json.Unmarshal(line, &cmd); err != nil || cmd.Execute != want {
			return nil, fmt.Errorf("got %q, want %s", line, want)
		}
		ret := "{}"
		if want == "query-name" && name != "" {
			ret = `{"name": "` + name + `"}`
		}
		fmt.Fprintf(c, "{\"return\": %s, \"id\": %s}\r\n", ret, cmd.ID)
	}
	return r, nil
}

func event(name string, n int) string {
	return fmt.Sprintf(`{"timestamp": {"seconds": 1700000000, "microseconds": %d}, "event": "%s"}`, n, name)
}

// shortDir is a temp dir with a path short enough for unix sockets.
func shortDir(t *testing.T) string {
	d, err := os.MkdirTemp("/tmp", "src")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// fakeAt serves QEMU sessions on a unix socket at path, one script per
// accepted connection in turn (the last one repeats).
func fakeAt(t *testing.T, path string, sessions ...func(net.Conn) error) net.Listener {
	t.Helper()
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s := sessions[min(i, len(sessions)-1)]
			// A broken script shows as missing events in the test.
			go s(c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return ln
}

func unixAddr(p string) conn.Addr { return conn.Addr{Network: "unix", Address: p} }

func fastBackoff() *Backoff { return &Backoff{Min: time.Millisecond, Max: 20 * time.Millisecond} }

// collect reads the merge until it ends and returns "vm:EVENT" strings.
func collect(t *testing.T, m *Merge) ([]string, error) {
	t.Helper()
	var got []string
	for {
		ev, err := m.Next(t.Context())
		if err != nil {
			return got, err
		}
		got = append(got, ev.VM+":"+ev.Name)
	}
}

func filterVM(list []string, vm string) string {
	var out []string
	for _, s := range list {
		if strings.HasPrefix(s, vm+":") {
			out = append(out, strings.TrimPrefix(s, vm+":"))
		}
	}
	return strings.Join(out, " ")
}

func sockPath(t *testing.T, name string) string { return filepath.Join(shortDir(t), name) }
