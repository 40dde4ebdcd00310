package conn

import "testing"

func TestParseAddr(t *testing.T) {
	tests := []struct {
		in, network, address, label string
	}{
		{"/run/vm1.qmp", "unix", "/run/vm1.qmp", "vm1"},
		{"unix:/run/vm1.qmp", "unix", "/run/vm1.qmp", "vm1"},
		{"vm1.qmp", "unix", "vm1.qmp", "vm1"},
		{"./web.sock", "unix", "./web.sock", "web"},
		{"monitor", "unix", "monitor", "monitor"},
		{"tcp:127.0.0.1:4444", "tcp", "127.0.0.1:4444", "127.0.0.1:4444"},
		{"127.0.0.1:4444", "tcp", "127.0.0.1:4444", "127.0.0.1:4444"},
		{"[::1]:4444", "tcp", "[::1]:4444", "[::1]:4444"},
		{"localhost:4444", "tcp", "localhost:4444", "localhost:4444"},
		{"vm:1.qmp", "unix", "vm:1.qmp", "vm:1"},
	}
	for _, tt := range tests {
		a, err := ParseAddr(tt.in)
		if err != nil {
			t.Errorf("ParseAddr(%q): %v", tt.in, err)
			continue
		}
		if a.Network != tt.network || a.Address != tt.address || a.DefaultLabel() != tt.label {
			t.Errorf("ParseAddr(%q) = %s %s label %s, want %s %s label %s", tt.in, a.Network, a.Address, a.DefaultLabel(), tt.network, tt.address, tt.label)
		}
	}
	for _, bad := range []string{"", "tcp:nohost", "tcp:"} {
		if _, err := ParseAddr(bad); err == nil {
			t.Errorf("ParseAddr(%q) succeeded, want an error", bad)
		}
	}
}
