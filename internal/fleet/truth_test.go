package fleet

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/testkit/natstest"
)

// TestSubjectIsTheTruth: NATS permissions protect subjects, not bodies. A
// publisher allowed only its own host's subjects that writes another host
// and VM in the body is shown, in json too, as the subject says; the
// disagreement is said once per VM. Before, -o json printed the body's.
func TestSubjectIsTheTruth(t *testing.T) {
	srv := natstest.Start(t, "")
	js := jsFor(t, srv.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := js.CreateStream(ctx, (&Publisher{o: PublisherOptions{Stream: DefaultStream, MaxAge: time.Hour}}).StreamConfig()); err != nil {
		t.Fatal(err)
	}
	bodies := []string{
		`{"timestamp":{"seconds":1,"microseconds":0},"event":"STOP","data":{"n":0},"vm":"db1","host":"host-b"}`,
		`{"timestamp":{"seconds":2,"microseconds":0},"event":"STOP","data":{"n":1},"host":"host-b","vm":"web1"}`,
		`{"timestamp":{"seconds":3,"microseconds":0},"event":"STOP","data":{"n":2}}`,
		`{"timestamp":{"seconds":4,"microseconds":0},"event":"STOP","data":{"n":3},"vm":"web1","host":"host-a"}`,
	}
	for _, b := range bodies {
		if _, err := js.Publish(ctx, "qmp.host-a.web1.STOP", []byte(b)); err != nil {
			t.Fatal(err)
		}
	}
	notes := &syncBuffer{}
	r := open(t, ReaderOptions{Access: Access{URL: srv.URL()}, Since: time.Unix(0, 0), Notes: notes})
	evs := readN(t, r, len(bodies))
	checkOrder(t, evs, map[string][]int{"host-a/web1": seq(0, len(bodies))})
	for i, ev := range evs {
		line, _ := render.JSON{}.Render(nil, ev)
		if !strings.HasSuffix(string(line), `,"vm":"web1","host":"host-a"}`+"\n") || strings.Contains(string(line), "host-b") || strings.Contains(string(line), "db1") {
			t.Errorf("event %d: %s", i, line)
		}
	}
	if n := strings.Count(notes.String(), "in its body; shown as the subject's host-a/web1"); n != 1 {
		t.Errorf("said %d times, want once:\n%s", n, notes)
	}
}
