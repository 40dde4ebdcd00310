package action

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/template"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/filter"
)

// Spec is one entry of serve's config file actions list.
type Spec struct {
	Name    string       `yaml:"name"`
	Events  []string     `yaml:"events"` // globs, as -e
	Where   []string     `yaml:"where"`  // PATH OP VALUE, as -w
	JQ      string       `yaml:"jq"`     // a jq condition, as -f
	Exec    []string     `yaml:"exec"`   // argv, each a Go template over the event (as -o template)
	Webhook *WebhookSpec `yaml:"webhook"`
}

// WebhookSpec is an action's webhook.
type WebhookSpec struct {
	URL     string        `yaml:"url"`
	Timeout time.Duration `yaml:"timeout"` // of each try (0: DefaultWebhookTimeout)
	Retries *int          `yaml:"retries"` // nil: DefaultWebhookRetries
}

// Keys are the keys of an action, and WebhookKeys those of its webhook:
// the config file's reader refuses any other, with the nearest one.
var (
	Keys        = []string{"name", "events", "where", "jq", "exec", "webhook"}
	WebhookKeys = []string{"url", "timeout", "retries"}
)

// Run is what every action's runs share: the settings of --exec.
type Run struct {
	Host        string        // QMPWATCH_HOST
	Timeout     time.Duration // of an exec run
	TimeoutFlag string        // its flag, for the failure line
	Out         io.Writer     // the runs' output
}

// sample is the event an exec action's templates are tried on at start,
// so that a template naming a field View does not have fails then, not at
// the first real event.
const sample = `{"timestamp":{"seconds":1795240036,"microseconds":155434},"event":"SHUTDOWN","data":{"guest":true,"reason":"guest-shutdown"},"vm":"sample-vm"}`

// Compile checks s and makes its action. Errors name the field.
func (s *Spec) Compile(r Run) (*Action, error) {
	if s.Name == "" {
		return nil, fmt.Errorf("no name")
	}
	if strings.HasPrefix(s.Name, "-") {
		return nil, fmt.Errorf("name %q: a name cannot start with -", s.Name)
	}
	f, err := filter.Compile(filter.Spec{Events: s.Events, Wheres: s.Where, Filter: s.JQ})
	if err != nil {
		return nil, err
	}
	a := &Action{Name: s.Name, Filter: f}
	switch {
	case len(s.Exec) > 0 && s.Webhook != nil:
		return nil, fmt.Errorf("give exec or webhook, not both (make two actions)")
	case len(s.Exec) > 0:
		a.Kind = KindExec
		a.Runner, err = s.command(r)
	case s.Webhook != nil:
		a.Kind = KindWebhook
		a.Runner, err = s.Webhook.compile()
	default:
		return nil, fmt.Errorf("nothing to do: give exec or webhook")
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Kinds of actions, and the sink label of what each drops.
const (
	KindExec    = "exec"
	KindWebhook = "webhook"
)

func (s *Spec) command(r Run) (*Command, error) {
	m, err := decode.ScanMessage([]byte(sample))
	if err != nil {
		return nil, err
	}
	ev := newEvent(decode.NewEvent(&m, "sample-vm"))
	c := &Command{Host: r.Host, Timeout: r.Timeout, TimeoutFlag: r.TimeoutFlag, Out: r.Out}
	for i, arg := range s.Exec {
		t, err := template.New(fmt.Sprintf("exec[%d]", i)).Parse(arg)
		if err != nil {
			return nil, err
		}
		c.Argv = append(c.Argv, t)
	}
	if _, err := c.args(ev); err != nil {
		return nil, fmt.Errorf("%w (tried on a sample event)", err)
	}
	return c, nil
}

func (w *WebhookSpec) compile() (*Webhook, error) {
	u, err := url.Parse(w.URL)
	if err != nil {
		return nil, fmt.Errorf("webhook url: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("webhook url %q: want http://HOST/... or https://HOST/...", u.Redacted())
	}
	if w.Timeout < 0 {
		return nil, fmt.Errorf("webhook timeout %s: must not be negative", w.Timeout)
	}
	retries := DefaultWebhookRetries
	if w.Retries != nil {
		retries = *w.Retries
	}
	if retries < 0 {
		return nil, fmt.Errorf("webhook retries %d: must not be negative", retries)
	}
	return &Webhook{URL: w.URL, Timeout: w.Timeout, Retries: retries}, nil
}

// String says what the action does, for qmpwatch config.
func (s *Spec) String() string {
	var b strings.Builder
	if s.Webhook != nil {
		u, err := url.Parse(s.Webhook.URL)
		if err == nil {
			fmt.Fprintf(&b, "webhook %s", u.Redacted())
		} else {
			fmt.Fprintf(&b, "webhook %q", s.Webhook.URL)
		}
	} else {
		fmt.Fprintf(&b, "exec %s", strings.Join(s.Exec, " "))
	}
	if len(s.Events) > 0 {
		fmt.Fprintf(&b, " on %s", strings.Join(s.Events, ","))
	}
	for _, w := range s.Where {
		fmt.Fprintf(&b, " where %s", w)
	}
	if s.JQ != "" {
		fmt.Fprintf(&b, " if %s", s.JQ)
	}
	return b.String()
}
