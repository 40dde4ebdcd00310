package action

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Webhook defaults, for a config action that leaves them out.
const (
	DefaultWebhookTimeout = 5 * time.Second
	DefaultWebhookRetries = 3
	// maxBackoff caps the wait between two tries.
	maxBackoff = 30 * time.Second
)

// Webhook POSTs each event's JSON (the -o json line) to URL, with
// Content-Type application/json. A network error or a 5xx answer is tried
// again after a wait that doubles from Backoff, up to Retries times; then
// it gives up. Any other answer than 2xx gives up at once: sending the
// same request again would get the same refusal.
type Webhook struct {
	URL     string
	Timeout time.Duration // of each try
	Retries int
	Backoff time.Duration // the first wait (0: half a second)
	Client  *http.Client  // nil: a client of its own
}

// Run implements Runner.
func (w *Webhook) Run(ctx context.Context, ev *Event) (string, error) {
	wait := w.Backoff
	if wait <= 0 {
		wait = 500 * time.Millisecond
	}
	client := w.Client
	if client == nil {
		client = http.DefaultClient
	}
	body := bytes.TrimSuffix(ev.JSON, []byte{'\n'})
	for try := 0; ; try++ {
		retry, err := w.post(ctx, client, body)
		switch {
		case err == nil:
			return ResultOK, nil
		case !retry:
			return ResultFailed, fmt.Errorf("gave up: %v", err)
		case try >= w.Retries:
			return ResultFailed, fmt.Errorf("gave up after %d retries: %v", w.Retries, err)
		}
		select {
		case <-ctx.Done():
			return ResultTimeout, fmt.Errorf("stopped at exit after %d tries: %v", try+1, err)
		case <-time.After(wait):
		}
		wait = min(2*wait, maxBackoff)
	}
}

// post makes one try; retry says whether another may go better.
func (w *Webhook) post(ctx context.Context, client *http.Client, body []byte) (retry bool, err error) {
	timeout := w.Timeout
	if timeout <= 0 {
		timeout = DefaultWebhookTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return true, err
	}
	// Read a little of the body so that the connection can be reused.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return false, nil
	case resp.StatusCode >= 500:
		return true, fmt.Errorf("%s answered %s", req.URL.Redacted(), resp.Status)
	}
	return false, fmt.Errorf("%s answered %s", req.URL.Redacted(), resp.Status)
}
