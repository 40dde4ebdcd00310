package action

import (
	"strings"
	"testing"
	"time"
)

// A config action is checked whole at start: each mistake is refused with
// what is wrong, before anything runs.
func TestSpecCompile(t *testing.T) {
	neg := -1
	for _, c := range []struct {
		name string
		spec Spec
		err  string // "" : compiles
	}{
		{"exec", Spec{Name: "a", Events: []string{"GUEST_PANICKED"}, Exec: []string{"/bin/true", "{{.VM}}", "{{.Data.action}}"}}, ""},
		{"webhook", Spec{Name: "a", Where: []string{"action==stop"}, Webhook: &WebhookSpec{URL: "https://h:9000/hook"}}, ""},
		{"no name", Spec{Exec: []string{"true"}}, "no name"},
		{"dash name", Spec{Name: "--exec", Exec: []string{"true"}}, "cannot start with -"},
		{"nothing", Spec{Name: "a"}, "nothing to do"},
		{"both", Spec{Name: "a", Exec: []string{"true"}, Webhook: &WebhookSpec{URL: "http://h/"}}, "not both"},
		{"bad template", Spec{Name: "a", Exec: []string{"true", "{{.VM"}}, "unclosed action"},
		{"unknown field", Spec{Name: "a", Exec: []string{"true", "{{.Host}}"}}, "can't evaluate field Host"},
		{"bad where", Spec{Name: "a", Where: []string{"action=="}, Exec: []string{"true"}}, "action=="},
		{"bad jq", Spec{Name: "a", JQ: ".data | (", Exec: []string{"true"}}, "--filter"},
		{"bad url", Spec{Name: "a", Webhook: &WebhookSpec{URL: "ftp://h/x"}}, "want http://HOST/"},
		{"no url", Spec{Name: "a", Webhook: &WebhookSpec{}}, "want http://HOST/"},
		{"negative retries", Spec{Name: "a", Webhook: &WebhookSpec{URL: "http://h/", Retries: &neg}}, "retries -1"},
		{"negative timeout", Spec{Name: "a", Webhook: &WebhookSpec{URL: "http://h/", Timeout: -time.Second}}, "timeout -1s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.spec.Compile(Run{Timeout: time.Second})
			if c.err == "" && err != nil || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
				t.Errorf("got %v, want %q", err, c.err)
			}
		})
	}
}

// qmpwatch config shows each action in one line, with no password.
func TestSpecString(t *testing.T) {
	for _, c := range []struct {
		spec Spec
		want string
	}{
		{Spec{Name: "p", Events: []string{"GUEST_PANICKED"}, Exec: []string{"/usr/local/bin/page-oncall", "--vm", "{{.VM}}"}},
			"exec /usr/local/bin/page-oncall --vm {{.VM}} on GUEST_PANICKED"},
		{Spec{Name: "w", Events: []string{"BLOCK_IO_ERROR"}, Where: []string{"action==stop"}, JQ: ".data.nospace", Webhook: &WebhookSpec{URL: "http://u:secret@h:9000/hook"}},
			"webhook http://u:xxxxx@h:9000/hook on BLOCK_IO_ERROR where action==stop if .data.nospace"},
	} {
		if got := c.spec.String(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}
