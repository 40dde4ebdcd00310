package logfile

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"
)

// FuzzFollow drives the -F line handling: a followed file with any content
// is then appended to, truncated, rewritten or replaced (rotated) with any
// other content. Reading never panics or fails, and after a rotation the
// new file's events are read exactly as a plain read of it gives them.
func FuzzFollow(f *testing.F) {
	f.Add([]byte(evLine(1)+evLine(2)), []byte(evLine(3)), uint8(0))
	f.Add([]byte(evLine(1)), []byte(evLine(2)+evLine(3)), uint8(1))
	f.Add([]byte(evLine(1)+"half"), []byte(evLine(5)+evLine(6)+evLine(7)), uint8(2))
	f.Add([]byte(evLine(1)), []byte(evLine(9)), uint8(3))
	f.Add([]byte("\n\n{\"event\":"), []byte("\r\n"+evLine(2)), uint8(2))
	dir := f.TempDir() // one folder for all inputs: a folder each costs more than the input
	f.Fuzz(func(t *testing.T, first, second []byte, op uint8) {
		tmp, err := os.CreateTemp(dir, "f*.log")
		if err != nil {
			t.Fatal(err)
		}
		path := tmp.Name()
		tmp.Close()
		defer os.Remove(path)
		defer os.Remove(path + ".1")
		if err := os.WriteFile(path, first, 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := Open(context.Background(), path, Options{Follow: true})
		if err != nil {
			return // gzip magic with a bad header
		}
		defer r.Close()
		// A cancelled context: read what is there, never wait.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		drain := func() []string {
			var names []string
			for {
				ev, err := r.Next(ctx)
				if err != nil {
					if err != context.Canceled && err != io.EOF && !strings.Contains(err.Error(), "gzip") {
						t.Fatalf("follow: %v", err)
					}
					return names
				}
				if ev == nil {
					t.Fatalf("nil event")
				}
				names = append(names, ev.Name)
			}
		}
		drain()
		switch op % 4 {
		case 0:
			appendTo(t, path, string(second))
		case 1:
			os.Truncate(path, 0)
			appendTo(t, path, string(second))
		case 2:
			os.WriteFile(path, second, 0o600)
		case 3:
			os.Rename(path, path+".1")
			os.WriteFile(path, second, 0o600)
		}
		got := drain()
		if op%4 == 3 && !r.gzipped && strings.HasSuffix(string(first), "\n") && strings.HasSuffix(string(second), "\n") &&
			(len(second) < 2 || second[0] != 0x1f || second[1] != 0x8b) {
			pr, err := Open(context.Background(), path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer pr.Close()
			var want []string
			for {
				ev, err := pr.Next(context.Background())
				if err != nil {
					break
				}
				want = append(want, ev.Name)
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("after rotation read %v, want %v", got, want)
			}
		}
	})
}
