package source

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The child of TestDirRetriesAfterFDLimit is this test binary, run with
// these set: it watches the folder under a lowered open-file limit and
// prints its status lines.
const (
	fdChildDir   = "QMPWATCH_TEST_FDLIMIT_DIR"
	fdChildLimit = "QMPWATCH_TEST_FDLIMIT"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(fdChildDir); dir != "" {
		limit, _ := strconv.ParseUint(os.Getenv(fdChildLimit), 10, 64)
		os.Exit(fdLimitChild(dir, limit))
	}
	os.Exit(m.Run())
}

// fdLimitChild watches dir with at most limit open files, printing one line
// per status ("connected vm07", "unreachable ADDR: ERR"), until its stdin
// closes.
func fdLimitChild(dir string, limit uint64) int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		fmt.Println("error", err)
		return 1
	}
	rl.Cur = limit
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		fmt.Println("error", err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { io.Copy(io.Discard, os.Stdin); cancel() }()
	var mu sync.Mutex
	m := New(ctx, Options{Backoff: fastBackoff, Status: func(s Status) {
		mu.Lock()
		defer mu.Unlock()
		switch s.Kind {
		case Connected, Reconnected:
			fmt.Println("connected", s.VM)
		case Unreachable:
			fmt.Println("unreachable", strings.ReplaceAll(s.Err.Error(), "\n", " "))
		}
	}})
	m.WatchDir(dir, 10*time.Millisecond, false)
	m.Seal()
	for {
		if _, err := m.Next(ctx); err != nil {
			return 0
		}
	}
}

// With more monitors in a folder than qmpwatch may open files, the ones
// that met "too many open files" are dialled again, with backoff, once
// files are free: here, once a third of the VMs stopped (hung up and
// removed their sockets). The limit, and how to raise it, are said once.
// qmpwatch used to give those sockets up for good, one line each.
func TestDirRetriesAfterFDLimit(t *testing.T) {
	const vms, limit, stopping = 60, 40, 30
	dir := shortDir(t)
	type vm struct {
		path string
		ln   net.Listener
		stop chan struct{}
	}
	all := map[string]*vm{}
	for i := range vms {
		name := fmt.Sprintf("vm%02d", i)
		v := &vm{path: filepath.Join(dir, name+".qmp"), stop: make(chan struct{})}
		v.ln = fakeAt(t, v.path, func(c net.Conn) error {
			defer c.Close()
			if _, err := handshake(c, name); err != nil {
				return err
			}
			<-v.stop
			return nil
		})
		all[name] = v
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fdChildDir+"="+dir, fdChildLimit+"="+strconv.Itoa(limit))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	})
	for _, v := range all {
		t.Cleanup(func() {
			select {
			case <-v.stop:
			default:
				close(v.stop)
			}
		})
	}

	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	deadline := time.After(60 * time.Second)
	connected := map[string]bool{}
	var order, limitLines []string
	stopped := map[string]bool{}
	for {
		// Every VM still running is connected: done.
		if len(stopped) > 0 && len(connected) == vms {
			break
		}
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the child ended; %d connected", len(connected))
			}
			switch {
			case strings.HasPrefix(l, "connected "):
				name := strings.TrimPrefix(l, "connected ")
				if !connected[name] {
					connected[name] = true
					order = append(order, name)
				}
			case strings.Contains(l, "too many open files"):
				limitLines = append(limitLines, l)
			case strings.HasPrefix(l, "error"):
				t.Fatal(l)
			}
			if len(limitLines) == 1 && len(stopped) == 0 && len(order) >= stopping {
				// The limit was met: stop the first VMs that connected,
				// as VMs that shut down do.
				for _, name := range order[:stopping] {
					v := all[name]
					v.ln.Close()
					os.Remove(v.path)
					close(v.stop)
					stopped[name] = true
				}
			}
		case <-deadline:
			var missing []string
			for name := range all {
				if !connected[name] {
					missing = append(missing, name)
				}
			}
			t.Fatalf("after the limit was met (said %d times) and %d VMs stopped, never dialled again: %v",
				len(limitLines), len(stopped), missing)
		}
	}
	t.Logf("%d VMs connected, %d of them stopped; said: %q", len(connected), len(stopped), limitLines)
	if len(limitLines) != 1 {
		t.Fatalf("the limit was said %d times, want once: %q", len(limitLines), limitLines)
	}
	for _, want := range []string{"may have 40 open", "ulimit -n", "LimitNOFILE="} {
		if !strings.Contains(limitLines[0], want) {
			t.Errorf("%q does not say %q", limitLines[0], want)
		}
	}
}
