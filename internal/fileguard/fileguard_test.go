package fileguard

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// deadline bounds every open these tests make: the bug they guard against
// is an open that never returns.
const deadline = 10 * time.Second

func fifo(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f.fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// within runs f and fails the test when it has not returned by the
// deadline; release then unblocks it, so that nothing is left behind.
func within(t *testing.T, what string, f func(), release func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { f(); close(done) }()
	select {
	case <-done:
	case <-time.After(deadline):
		release()
		<-done
		t.Fatalf("%s did not return within %s", what, deadline)
	}
}

// releaseFIFO opens the FIFO's other end for a moment, which ends a
// blocked open of either side.
func releaseFIFO(path string) {
	if f, err := os.OpenFile(path, os.O_RDWR, 0); err == nil {
		f.Close()
	}
}

// A FIFO nobody writes: the open ends with the context (it used to wait
// in the kernel, out of reach of SIGINT).
func TestOpenReadFIFOEndsWithContext(t *testing.T) {
	p := fifo(t)
	ctx, cancel := context.WithCancel(context.Background())
	var err error
	within(t, "OpenRead of a FIFO without writer", func() {
		go cancel()
		var f *os.File
		f, err = OpenRead(ctx, p)
		if f != nil {
			f.Close()
		}
	}, func() { releaseFIFO(p) })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// A FIFO with a writer is read to its end, like standard input.
func TestOpenReadFIFOWithWriter(t *testing.T) {
	p := fifo(t)
	go func() {
		w, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		w.WriteString("line\n")
		w.Close()
	}()
	var got []byte
	var err error
	within(t, "OpenRead of a FIFO with a writer", func() {
		var f *os.File
		if f, err = OpenRead(context.Background(), p); err != nil {
			return
		}
		defer f.Close()
		got, err = io.ReadAll(f)
	}, func() { releaseFIFO(p) })
	if err != nil || string(got) != "line\n" {
		t.Fatalf("read %q, %v; want %q", got, err, "line\n")
	}
}

func TestRegular(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	os.WriteFile(file, nil, 0o600)
	link := filepath.Join(dir, "l")
	os.Symlink(file, link)
	for _, c := range []struct {
		path, want string
	}{
		{file, ""},
		{link, ""},
		{filepath.Join(dir, "missing"), ""},
		{fifo(t), "a FIFO"},
		{dir, "a folder"},
		{os.DevNull, "a device"},
	} {
		err := Regular(c.path, "why")
		var nr *NotRegularError
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v, want nil", c.path, err)
		case c.want != "" && (!errors.As(err, &nr) || nr.What != c.want):
			t.Errorf("%s: %v, want %s", c.path, err, c.want)
		}
	}
}
