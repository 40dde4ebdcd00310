package run

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/proxy"
)

// Every mistake in proxy's command line is found before a socket is
// touched: nothing is created beside the paths it names.
func TestProxyValidate(t *testing.T) {
	dir := t.TempDir()
	in := func(name string) string { return filepath.Join(dir, name) }
	for _, tt := range []struct {
		name string
		o    ProxyOptions
		want string
	}{
		{"listen", ProxyOptions{Args: []string{in("vm1.qmp")}, Listen: in("shared.qmp")}, ""},
		{"takeover", ProxyOptions{Takeover: in("vm1.qmp")}, ""},
		{"restore", ProxyOptions{Restore: in("vm1.qmp")}, ""},
		{"no listen", ProxyOptions{Args: []string{in("vm1.qmp")}}, "give ADDRESS --listen PATH, --takeover PATH or --restore PATH"},
		{"takeover and address", ProxyOptions{Args: []string{"a.qmp"}, Takeover: in("vm1.qmp")}, "--takeover PATH serves at PATH"},
		{"restore and listen", ProxyOptions{Restore: "a.qmp", Listen: "b.qmp"}, "--restore PATH goes alone"},
		{"tcp listen", ProxyOptions{Args: []string{"vm1.qmp"}, Listen: "tcp:127.0.0.1:4444"}, "--listen tcp:127.0.0.1:4444: want a unix socket path"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			eventsWantUsage(t, tt.o.Validate(), tt.want)
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("Validate left %v in %s", left, dir)
			}
		})
	}
}

func TestProxyNote(t *testing.T) {
	for _, tt := range []struct {
		n    proxy.Note
		want string
	}{
		{proxy.Note{Kind: proxy.ClientConnected, Client: 1, Clients: 1}, "proxy: client 1 connected (1 client)"},
		{proxy.Note{Kind: proxy.ClientDropped, Client: 2, Clients: 0, Reason: "too slow"}, "proxy: client 2 disconnected: too slow (0 clients)"},
		{proxy.Note{Kind: proxy.ClientLeft, Client: 3, Clients: 2}, "proxy: client 3 left (2 clients)"},
	} {
		if got := proxyNote(tt.n); got != tt.want {
			t.Errorf("proxyNote(%+v) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
