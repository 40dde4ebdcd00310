package logfile

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func evLine(n int) string {
	return fmt.Sprintf(`{"event":"E%d","timestamp":{"seconds":%d,"microseconds":0}}`+"\n", n, n)
}

// nextName waits (generously) for the next followed event's name.
func nextName(t *testing.T, r *Reader) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	ev, err := r.Next(ctx)
	if err != nil {
		t.Fatalf("next: %v", err)
	}
	return ev.Name
}

func followed(t *testing.T, path string) (*Reader, *[]string) {
	t.Helper()
	var reasons []string
	r, err := Open(context.Background(), path, Options{Follow: true, Poll: 5 * time.Millisecond, OnReopen: func(_, s string) { reasons = append(reasons, s) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, &reasons
}

// Item 2: after `: > f.log` and new events, reading starts again at 0.
func TestFollowTruncation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.log")
	os.WriteFile(path, []byte(evLine(1)+strings.Repeat(evLine(9), 3)), 0o600)
	r, reasons := followed(t, path)
	for range 4 {
		nextName(t, r)
	}
	// Let the reader reach the end and poll.
	time.Sleep(50 * time.Millisecond)
	os.WriteFile(path, nil, 0o600) // truncate
	time.Sleep(50 * time.Millisecond)
	appendTo(t, path, evLine(2)+evLine(3))
	for _, want := range []string{"E2", "E3"} {
		if g := nextName(t, r); g != want {
			t.Fatalf("got %s, want %s (reopen %v)", g, want, *reasons)
		}
	}
}

// Item 2: truncated and rewritten larger between two polls: the bytes
// before the offset changed, so the file is read again from its start.
func TestFollowRewrittenLarger(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.log")
	os.WriteFile(path, []byte(evLine(1)), 0o600)
	r, _ := followed(t, path)
	if g := nextName(t, r); g != "E1" {
		t.Fatal(g)
	}
	time.Sleep(50 * time.Millisecond)
	var b strings.Builder
	for i := 10; i < 15; i++ {
		b.WriteString(evLine(i))
	}
	os.WriteFile(path, []byte(b.String()), 0o600)
	for i := 10; i < 15; i++ {
		if g, want := nextName(t, r), fmt.Sprintf("E%d", i); g != want {
			t.Fatalf("got %s, want %s", g, want)
		}
	}
}

// Item 2: rotation: the old file is finished, then the new one is read.
func TestFollowRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.log")
	os.WriteFile(path, []byte(evLine(1)), 0o600)
	r, reasons := followed(t, path)
	if g := nextName(t, r); g != "E1" {
		t.Fatal(g)
	}
	appendTo(t, path, evLine(2))
	os.Rename(path, path+".1")
	appendTo(t, path+".1", evLine(3)) // still written after the move
	os.WriteFile(path, []byte(evLine(4)+evLine(5)), 0o600)
	for _, want := range []string{"E2", "E3", "E4", "E5"} {
		if g := nextName(t, r); g != want {
			t.Fatalf("got %s, want %s (reopen %v)", g, want, *reasons)
		}
	}
	if len(*reasons) != 1 || (*reasons)[0] != "replaced" {
		t.Errorf("reopen reasons %v", *reasons)
	}
}

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(s)
	f.Close()
}

// Item 12: a line over the cap is skipped with a warning naming file and
// line, and reading goes on; plain, gzip, read ahead or followed.
func TestLineCap(t *testing.T) {
	const capped = 1 << 20
	huge := `{"event":"HUGE","data":{"x":"` + strings.Repeat("y", 3<<20) + `"}}` + "\n"
	text := evLine(1) + huge + evLine(2) + strings.Repeat("z", 2<<20) // last: no newline
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(text))
	zw.Close()
	for _, c := range []struct {
		name string
		data []byte
	}{{"plain", []byte(text)}, {"gzip", gz.Bytes()}} {
		var warns []string
		r, err := NewReader(bytes.NewReader(c.data), Options{Name: "x.log", MaxLine: capped, Warn: func(e *LineError) { warns = append(warns, e.Error()) }})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for {
			ev, err := r.Next(t.Context())
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, ev.Name)
		}
		r.Close()
		if strings.Join(names, " ") != "E1 E2" {
			t.Errorf("%s: events %v", c.name, names)
		}
		if len(warns) != 2 || !strings.HasPrefix(warns[0], "x.log:2: skipped: line longer than 1 MB") || !strings.HasPrefix(warns[1], "x.log:4:") {
			t.Errorf("%s: warnings %q", c.name, warns)
		}
	}
	// Followed (line by line, no read-ahead).
	var warns []string
	r, err := NewReader(strings.NewReader(evLine(1)+huge+evLine(2)), Options{Name: "x.log", Follow: true, Poll: time.Millisecond, MaxLine: capped,
		Warn: func(e *LineError) { warns = append(warns, e.Error()) }})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if a, b := nextName(t, r), nextName(t, r); a != "E1" || b != "E2" {
		t.Errorf("followed: %s %s", a, b)
	}
	if len(warns) != 1 || !strings.HasPrefix(warns[0], "x.log:2: skipped: line longer") {
		t.Errorf("followed: warnings %q", warns)
	}
}

// Item 16: a gzip file with trailing garbage names the file.
func TestGzipTrailingGarbageNamesFile(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(evLine(1)))
	zw.Close()
	gz.WriteString("garbage after the end")
	path := filepath.Join(t.TempDir(), "vm.log.gz")
	os.WriteFile(path, gz.Bytes(), 0o600)
	r, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for {
		_, err = r.Next(t.Context())
		if err != nil {
			break
		}
	}
	if err == io.EOF || !strings.Contains(err.Error(), path) {
		t.Errorf("got %v, want an error naming %s", err, path)
	}
}

// A skipped line's warning names its file, which a --dir listing or a
// command line gives: it reaches stderr escaped, whoever prints it.
func TestLineErrorEscaped(t *testing.T) {
	var warns []string
	r, err := NewReader(strings.NewReader("garbage\n"), Options{Name: "a\x1b[2Jb\u202e.log", Warn: func(e *LineError) { warns = append(warns, e.Error()) }})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Next(t.Context()); err != io.EOF {
		t.Fatalf("want the end after the skipped line, got %v", err)
	}
	if len(warns) != 1 || !strings.HasPrefix(warns[0], `a\x1b[2Jb\u202e.log:1: skipped:`) {
		t.Errorf("warnings %q", warns)
	}
}
