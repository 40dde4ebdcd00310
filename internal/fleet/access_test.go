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
