package conn

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
)

// Item 16 against real QEMU: while one client holds the monitor, every
// further client is told that another client may hold it, whether it is
// queued (no greeting) or refused (EAGAIN).
func TestHostileBusyRealQEMU(t *testing.T) {
	v := qemutest.Start(t, qemutest.Options{Name: "busy"})
	holder, err := net.Dial("unix", v.Monitor)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	holder.SetReadDeadline(time.Now().Add(30 * time.Second))
	if line, err := bufio.NewReader(holder).ReadString('\n'); err != nil || !strings.Contains(line, `"QMP"`) {
		t.Fatalf("the holder got no greeting: %q %v", line, err)
	}
	for i := range 4 {
		_, err := Dial(t.Context(), Addr{Network: "unix", Address: v.Monitor}, Options{GreetingTimeout: 300 * time.Millisecond})
		if err == nil || !strings.Contains(err.Error(), "another client may hold this monitor") {
			t.Errorf("extra client %d: got %v, want the busy hint", i+1, err)
		}
	}
}
