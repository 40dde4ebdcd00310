package cmdutil

import "os"

// hostLabel is --host-label, or the machine's hostname.
func HostLabel(flag string) string {
	if flag != "" {
		return flag
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "localhost"
}
