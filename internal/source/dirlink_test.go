package source

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// A watched folder where another user planted a symbolic link to a monitor
// they cannot open (issue 23 item 10): the link is not followed, and that
// is said once; a link owned by its socket's owner still is. With
// FollowSymlinks, every link is. It used to follow every link.
func TestWatchDirPlantedSymlink(t *testing.T) {
	for _, follow := range []bool{false, true} {
		t.Run(map[bool]string{false: "default", true: "follow"}[follow], func(t *testing.T) {
			private, watched := shortDir(t), shortDir(t)
			var mu sync.Mutex
			victimDialled := false
			fakeAt(t, filepath.Join(private, "victim.sock"), func(c net.Conn) error {
				mu.Lock()
				victimDialled = true
				mu.Unlock()
				return qemuSide(c, "victim", []string{event("SECRET", 1)}, true)
			})
			for _, vm := range []string{"mine", "zlate"} {
				fakeAt(t, filepath.Join(private, vm+".sock"), func(c net.Conn) error {
					return qemuSide(c, vm, []string{event("OK", 1)}, true)
				})
			}
			link := func(name, target string) string {
				p := filepath.Join(watched, name)
				if err := os.Symlink(filepath.Join(private, target), p); err != nil {
					t.Fatal(err)
				}
				return p
			}
			link("mine.qmp", "mine.sock")
			planted := link("planted.qmp", "victim.sock")
			if err := os.Lchown(planted, 65534, 65534); err != nil {
				t.Skipf("cannot give a link to another user (not root): %v", err)
			}
			var smu sync.Mutex
			var refusals []string
			status := func(s Status) {
				if s.Kind == Unreachable {
					smu.Lock()
					refusals = append(refusals, s.Addr+": "+s.Err.Error())
					smu.Unlock()
				}
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			m := New(ctx, Options{Status: status})
			m.WatchDirWith(watched, DirOptions{Poll: 5 * time.Millisecond, Reconnect: false, FollowSymlinks: follow})
			m.Seal()
			want := map[string]bool{"mine:OK": true}
			if follow {
				want["victim:SECRET"] = true
			}
			got := map[string]bool{}
			for len(got) < len(want) {
				ev, err := m.Next(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				got[ev.VM+":"+ev.Name] = true
			}
			// A link added later, after the planted one in the folder's
			// order: once its event is in, the planted link was passed by
			// more than one poll.
			link("zlate.qmp", "zlate.sock")
			for !got["zlate:OK"] {
				ev, err := m.Next(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				got[ev.VM+":"+ev.Name] = true
			}
			cancel()
			m.Wait()
			mu.Lock()
			defer mu.Unlock()
			if victimDialled != follow {
				t.Errorf("the planted link's monitor dialled: %v, want %v (events %v)", victimDialled, follow, got)
			}
			wantSaid := 1
			if follow {
				wantSaid = 0
			}
			if len(refusals) != wantSaid || (wantSaid == 1 && !strings.Contains(refusals[0], "planted.qmp: a symbolic link owned by uid 65534 to a socket owned by uid 0: not followed")) {
				t.Errorf("refusals said: %q, want %d", refusals, wantSaid)
			}
		})
	}
}
