package fleet

import (
	"strings"
	"testing"
)

func TestCheckURL(t *testing.T) {
	for _, ok := range []string{"nats://127.0.0.1:4222", "nats://u:p@nats.example", "tls://[::1]:4222", "nats://a:4222,nats://b:4222", "nats://h:4222/"} {
		if err := CheckURL(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"nats://", "nats://h:0", "nats://h:99999", "nats://h:x", "nats://h/QMP", "nats://h?x=1", "http://h:4222", "nats://a:4222,", "nats://u:secret@h:99999"} {
		err := CheckURL(bad)
		if err == nil {
			t.Errorf("%s: accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: the error shows the password: %v", bad, err)
		}
	}
}

func TestRedactedHidesEveryPassword(t *testing.T) {
	cases := []struct{ url, want string }{
		{"nats://127.0.0.1:4222", "nats://127.0.0.1:4222"},
		{"nats://agent:s3cret@h:4222", "nats://agent:xxx@h:4222"},
		{"nats://agent@h:4222", "nats://agent@h:4222"},
		{"nats://a:s3cret@h1:4222,tls://b:s3cret@h2", "nats://a:xxx@h1:4222,tls://b:xxx@h2"},
		// Not a valid URL, but what nats.go or a user may still hold.
		{"nats://agent:s3/cret@h:4222", "nats://xxx@h:4222"},
		{"nats://agent:s3#cret@h:4222", "nats://xxx@h:4222"},
		{"nats://agent:s3%zzcret@h:4222", "nats://xxx@h:4222"},
	}
	for _, c := range cases {
		if got := (Access{URL: c.url}).Redacted(); got != c.want || strings.Contains(got, "s3") {
			t.Errorf("%s: got %s, want %s", c.url, got, c.want)
		}
	}
}
