package fleet

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/testkit/natstest"
)

// TestCredsFile: with a credentials file the publisher's events reach the
// stream and a reader reads them back; without it the server refuses the
// publisher, which says why and keeps the events.
func TestCredsFile(t *testing.T) {
	srv, creds := natstest.StartWithCreds(t)
	// A file others may read is used, and said once by each user of it.
	if err := os.Chmod(creds, 0o666); err != nil {
		t.Fatal(err)
	}
	notes := &syncBuffer{}
	p, err := NewPublisher(PublisherOptions{Access: Access{URL: srv.URL(), Creds: creds}, Host: "h1", Notes: notes})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(0) })
	for i := range 3 {
		p.Publish(numbered(t, "vm1", i))
	}
	flush(t, p, notes)
	r := open(t, ReaderOptions{Access: Access{URL: srv.URL(), Creds: creds}, Since: time.Unix(1, 0), Notes: notes})
	if n := strings.Count(notes.String(), "has mode 0666: other users may read its secret seed"); n != 2 {
		t.Errorf("the mode said %d times, want once by the publisher, once by the reader:\n%s", n, notes)
	}
	if err := os.Chmod(creds, 0o600); err != nil {
		t.Fatal(err)
	}
	if w := (Access{Creds: creds}).credsWarning(); w != "" {
		t.Errorf("0600 warned: %s", w)
	}
	for i, ev := range readN(t, r, 3) {
		if n, _ := ev.Data().Get("n"); ev.VM != "h1/vm1" || n.Text != fmt.Sprint(i) {
			t.Errorf("event %d read back as %s n=%s", i, ev.VM, n.Text)
		}
	}

	refused := &syncBuffer{}
	q := publisher(t, srv.URL(), "h2", refused, 0) // no credentials
	q.Publish(numbered(t, "vm2", 1))
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(strings.ToLower(refused.String()), "authorization violation") {
		if time.Now().After(deadline) {
			t.Fatalf("a publisher without credentials does not say why it is refused:\n%s", refused)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if q.Pending() != 1 || q.Dropped() != 0 {
		t.Errorf("refused publisher: pending %d, dropped %d", q.Pending(), q.Dropped())
	}
}
