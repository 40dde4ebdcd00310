package action

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// A webhook POSTs the event's JSON; a server that answers 503 twice, then
// 200, gets it on the third try. One that keeps failing is given up on
// after the retries, said and counted; a 4xx is not tried again.
func TestWebhook(t *testing.T) {
	for _, c := range []struct {
		name    string
		answers []int // then 200
		retries int
		posts   int
		result  string
		line    string
	}{
		{"503 twice then 200", []int{503, 503}, 5, 3, ResultOK, ""},
		{"gives up", []int{503, 502, 500, 503}, 2, 3, ResultFailed, "qmpwatch: action hook: vm1 BLOCK_IO_ERROR: gave up after 2 retries: http://127.0.0.1:PORT/hook answered 500 Internal Server Error\n"},
		{"4xx", []int{404}, 5, 1, ResultFailed, "qmpwatch: action hook: vm1 BLOCK_IO_ERROR: gave up: http://127.0.0.1:PORT/hook answered 404 Not Found\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var mu sync.Mutex
			var bodies []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				defer mu.Unlock()
				if r.Method != http.MethodPost || r.URL.Path != "/hook" || r.Header.Get("Content-Type") != "application/json" {
					t.Errorf("got %s %s with Content-Type %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
				}
				bodies = append(bodies, string(b))
				if n := len(bodies); n <= len(c.answers) {
					w.WriteHeader(c.answers[n-1])
				}
			}))
			defer srv.Close()
			retries := c.retries
			spec := &Spec{Name: "hook", Events: []string{"BLOCK_IO_ERROR"}, Webhook: &WebhookSpec{URL: srv.URL + "/hook", Timeout: 5 * time.Second, Retries: &retries}}
			a, err := spec.Compile(Run{})
			if err != nil {
				t.Fatal(err)
			}
			a.Runner.(*Webhook).Backoff = 10 * time.Millisecond
			out, cn := &syncBuffer{}, newCounts()
			e := New(Options{ErrOut: out, Ran: cn.Ran}, a)
			ev := event(t, "vm1", "BLOCK_IO_ERROR", 2, `{"device":"d0","operation":"write","action":"stop","nospace":false,"reason":"No space left on device"}`)
			want := string(newEvent(ev).JSON)
			e.Deliver(event(t, "vm1", "STOP", 1, ""))
			e.Deliver(ev)
			e.Close()
			if len(bodies) != c.posts {
				t.Fatalf("%d POSTs, want %d", len(bodies), c.posts)
			}
			for _, b := range bodies {
				if b+"\n" != want {
					t.Errorf("body %q, want the event's JSON %q", b, want)
				}
			}
			if n := cn.get(cn.ran, "vm1 webhook hook "+c.result); n != 1 {
				t.Errorf("counted %v, want one %s", cn.ran, c.result)
			}
			line := strings.ReplaceAll(c.line, "127.0.0.1:PORT", strings.TrimPrefix(srv.URL, "http://"))
			if out.String() != line {
				t.Errorf("stderr %q, want %q", out, line)
			}
		})
	}
}

// A webhook whose server is gone is a network error, tried again, then
// given up.
func TestWebhookUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	w := &Webhook{URL: url, Retries: 1, Backoff: time.Millisecond}
	res, err := w.Run(context.Background(), newEvent(event(t, "vm1", "STOP", 1, "")))
	if res != ResultFailed || err == nil || !strings.Contains(err.Error(), "gave up after 1 retries") || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("got %s %v, want failed after a refused connection", res, err)
	}
}
