package logfile

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// aheadLog is a log of n lines: mostly events, every 7th a RESET, every
// 500th a line in no known format (for warnings with line numbers).
func aheadLog(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		switch {
		case i%500 == 0:
			fmt.Fprintf(&b, "garbage line %d\n", i)
		case i%7 == 0:
			fmt.Fprintf(&b, `{"timestamp": {"seconds": %d, "microseconds": 0}, "event": "RESET", "data": {"n": %d}}`+"\n", i, i)
		default:
			fmt.Fprintf(&b, `{"timestamp": {"seconds": %d, "microseconds": 0}, "event": "STOP", "data": {"n": %d}}`+"\n", i, i)
		}
	}
	return b.String()
}

// TestReadAheadKeepsOrderAndLines reads several batches through the
// parallel Skip path, plain and gzipped, and compares with the one-by-one
// path: the same events in the same order, the same warnings, line numbers.
func TestReadAheadKeepsOrderAndLines(t *testing.T) {
	const n = 5000
	log := aheadLog(n)
	var asked atomic.Int64
	skip := func(name string, data []byte) bool { asked.Add(1); return name != "RESET" }
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(log))
	zw.Close()
	for name, in := range map[string]func() *bytes.Reader{
		"plain": func() *bytes.Reader { return bytes.NewReader([]byte(log)) },
		"gzip":  func() *bytes.Reader { return bytes.NewReader(gz.Bytes()) },
	} {
		t.Run(name, func(t *testing.T) {
			asked.Store(0)
			evs, warns, r := readAll(t, in(), Options{Skip: skip})
			r.Close()
			var want []string
			for i := 7; i <= n; i += 7 {
				if i%500 != 0 {
					want = append(want, fmt.Sprintf(`{"n": %d}`, i))
				}
			}
			var got []string
			for _, ev := range evs {
				if ev.Name != "RESET" {
					t.Fatalf("a skipped event came through: %s", ev.Raw)
				}
				got = append(got, string(ev.DataRaw))
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("got %d events, want %d, or in another order", len(got), len(want))
			}
			if len(warns) != n/500 {
				t.Fatalf("%d warnings, want %d", len(warns), n/500)
			}
			for i, w := range warns {
				if w.Line != (i+1)*500 {
					t.Errorf("warning %d names line %d, want %d", i, w.Line, (i+1)*500)
				}
			}
			if asked.Load() != int64(n-n/500) {
				t.Errorf("Skip was asked %d times, want once per JSON line (%d)", asked.Load(), n-n/500)
			}
		})
	}
}

// TestReadAheadStopsOnClose: closing a reader in the middle of a big input
// ends its goroutines instead of leaving them blocked.
func TestReadAheadStopsOnClose(t *testing.T) {
	before := runtime.NumGoroutine()
	r, err := NewReader(strings.NewReader(aheadLog(20000)), Options{Skip: func(string, []byte) bool { return false }})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if _, err := r.Next(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	r.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Close, %d before", n, before)
	}
}

// TestReadAheadDoesNotHoldLiveLines: from a pipe that delivers one line and
// then waits, the line's event must come out without waiting for more.
func TestReadAheadDoesNotHoldLiveLines(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	// Written before NewReader, which peeks at the first bytes for gzip.
	go pw.Write([]byte(`{"event": "STOP"}` + "\n" + `{"event": "RESET"}` + "\n"))
	r, err := NewReader(pr, Options{Skip: func(name string, _ []byte) bool { return name != "RESET" }})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := make(chan string, 1)
	go func() {
		ev, err := r.Next(context.Background())
		if err != nil {
			got <- err.Error()
			return
		}
		got <- ev.Name
	}()
	select {
	case name := <-got:
		if name != "RESET" {
			t.Errorf("got %s, want RESET", name)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the event waited for more input")
	}
}
