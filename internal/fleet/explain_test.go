package fleet

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/qmpwatch/qmpwatch/internal/testkit/natstest"
)

// TestRefusalsNameCauseAndFix: a server or stream qmpwatch cannot use is
// said in one line naming the cause and the fix, never as "unreachable" or
// a raw API error; a publisher that cannot store events reports a
// Problem (serve's /healthz) once it has lasted, and recovers by itself
// when the stream is fixed.
func TestRefusalsNameCauseAndFix(t *testing.T) {
	srv := natstest.Start(t, `
jetstream: enabled
accounts: {
  JS: { jetstream: enabled, users: [{user: js, password: pw}] }
  NOJS: { users: [{user: nojs, password: pw}] }
}
`)
	url := func(user string) string { return strings.Replace(srv.URL(), "//", "//"+user+":pw@", 1) }
	js := jsFor(t, url("js"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, cfg := range []jetstream.StreamConfig{
		{Name: "OTHER", Subjects: []string{"other.>"}},
		{Name: "WQ", Subjects: []string{"qmp.>"}, Retention: jetstream.WorkQueuePolicy},
	} {
		if _, err := js.CreateStream(ctx, cfg); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		user, stream, want string
	}{
		{"nojs", "QMP", "JetStream is not enabled on the server or for this account: start nats-server with -js"},
		{"js", "OTHER", "stream OTHER does not take qmp.> (its subjects: other.>): add qmp.> to its subjects"},
		{"js", "WQ", "stream WQ is a work queue"},
	}
	for _, c := range cases {
		_, err := Open(ctx, ReaderOptions{Access: Access{URL: url(c.user)}, Stream: c.stream})
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "pw@") {
			t.Errorf("%s on %s: got %v, want one line with %q", c.user, c.stream, err, c.want)
		}
	}
	if err := js.DeleteStream(ctx, "WQ"); err != nil {
		t.Fatal(err)
	}

	notes := &syncBuffer{}
	p, err := NewPublisher(PublisherOptions{Access: Access{URL: url("js")}, Host: "h", Stream: "OTHER", Notes: notes, StuckAfter: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(0)
	p.Publish(numbered(t, "vm1", 0))
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(p.Problem(), "stream OTHER does not take qmp.h.*.*") {
		if time.Now().After(deadline) {
			t.Fatalf("problem %q; notes:\n%s", p.Problem(), notes)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if s := notes.String(); strings.Contains(s, "unreachable") || strings.Count(s, "does not take") != 1 {
		t.Errorf("notes:\n%s", s)
	}
	if _, err := js.UpdateStream(ctx, jetstream.StreamConfig{Name: "OTHER", Subjects: []string{"other.>", "qmp.>"}}); err != nil {
		t.Fatal(err)
	}
	flush(t, p, notes)
	if p.Problem() != "" || !strings.Contains(notes.String(), "stores events again") || p.Acked() != 1 {
		t.Errorf("after the fix: problem %q, acked %d; notes:\n%s", p.Problem(), p.Acked(), notes)
	}
}

func jsFor(t *testing.T, url string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	return js
}
