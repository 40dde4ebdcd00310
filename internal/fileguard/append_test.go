package fileguard

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// nobody is a uid other than the test's own (tests run as root in CI).
const nobody = 65534

// shared makes a folder like /tmp: writable by everyone, sticky.
func shared(t *testing.T, mode os.FileMode) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
	return dir
}

// planted writes a file owned by uid with mode perm, as another user would.
func planted(t *testing.T, dir string, uid int, perm os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, "rec.log")
	if err := os.WriteFile(p, []byte("{}\n"), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, perm); err != nil {
		t.Fatal(err)
	}
	if uid != os.Geteuid() {
		if err := os.Chown(p, uid, uid); err != nil {
			t.Skipf("cannot give a file to uid %d (not root): %v", uid, err)
		}
	}
	return p
}

func TestOpenAppendOwnership(t *testing.T) {
	me := os.Geteuid()
	for _, c := range []struct {
		name    string
		dirMode os.FileMode
		uid     int
		perm    os.FileMode
		refused bool
	}{
		{"another user's file in a sticky shared folder", os.ModeSticky | 0o777, nobody, 0o666, true},
		{"another user's 0600 file in a sticky shared folder", os.ModeSticky | 0o777, nobody, 0o600, true},
		{"another user's file in a world-writable folder", 0o777, nobody, 0o644, true},
		{"another user's file in a sticky folder", os.ModeSticky | 0o755, nobody, 0o644, true},
		{"a file anyone may write, mine, in a shared folder", os.ModeSticky | 0o777, me, 0o666, true},
		{"my own file in a shared folder", os.ModeSticky | 0o777, me, 0o600, false},
		{"another user's file in a private folder", 0o755, nobody, 0o644, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := planted(t, shared(t, c.dirMode), c.uid, c.perm)
			f, err := OpenAppend(p, 0o600)
			if f != nil {
				f.Close()
			}
			var pe *PlantedError
			if got := errors.As(err, &pe); got != c.refused {
				t.Fatalf("refused = %v (%v), want %v", got, err, c.refused)
			}
			if !c.refused && err != nil {
				t.Fatal(err)
			}
			if b, _ := os.ReadFile(p); string(b) != "{}\n" {
				t.Errorf("the file changed: %q", b)
			}
		})
	}
}

// A new file in a shared folder is created, as the running user's, 0600.
func TestOpenAppendCreates(t *testing.T) {
	p := filepath.Join(shared(t, os.ModeSticky|0o777), "new.log")
	f, err := OpenAppend(p, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v; want 0600", fi.Mode(), err)
	}
}

func TestOpenAppendRefusesLinkAndLonelyFIFO(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "link")
	os.Symlink(filepath.Join(dir, "target"), link)
	if _, err := OpenAppend(link, 0o600); !errors.Is(err, ErrSymlink) {
		t.Errorf("symlink: %v, want ErrSymlink", err)
	}
	p := fifo(t)
	var err error
	within(t, "OpenAppend of a FIFO without reader", func() {
		var f *os.File
		if f, err = OpenAppend(p, 0o600); f != nil {
			f.Close()
		}
	}, func() { releaseFIFO(p) })
	if !errors.Is(err, ErrFIFONoReader) {
		t.Errorf("FIFO without reader: %v, want ErrFIFONoReader", err)
	}
}

// A FIFO with a reader is written as a stream.
func TestOpenAppendFIFOWithReader(t *testing.T) {
	p := fifo(t)
	r, err := os.OpenFile(p, os.O_RDWR, 0) // a reader that is there already
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w, err := OpenAppend(p, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	w.WriteString("x\n")
	w.Close()
	buf := make([]byte, 2)
	if n, err := r.Read(buf); err != nil || string(buf[:n]) != "x\n" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
}
