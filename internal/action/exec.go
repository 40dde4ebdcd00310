package action

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"text/template"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/safe"
)

// waitDelay is how long a run's output may stay open after its process
// ended (a background child holding it): then qmpwatch stops reading it.
const waitDelay = time.Second

// Command runs a process per event: Shell (--exec, through /bin/sh -c),
// or Argv (an exec action: each argument a template, no shell). The
// event's -o json line is its stdin; QMPWATCH_EVENT, _VM, _HOST, _TIME and
// _SUMMARY are in its environment.
type Command struct {
	Shell string
	Argv  []*template.Template
	// Host is QMPWATCH_HOST.
	Host string
	// Timeout bounds a run: then its whole process group is killed.
	Timeout time.Duration
	// TimeoutFlag names Timeout's setting in the failure line.
	TimeoutFlag string
	// Out gets the run's stdout and stderr, escaped, whole lines at a
	// time (qmpwatch's stdout is for events only).
	Out io.Writer
}

// Run implements Runner.
func (c *Command) Run(ctx context.Context, ev *Event) (string, error) {
	args, err := c.args(ev)
	if err != nil {
		return ResultError, err
	}
	rctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	cmd := exec.CommandContext(rctx, args[0], args[1:]...)
	cmd.Stdin = bytes.NewReader(ev.JSON)
	cmd.Env = append(os.Environ(), env(ev, c.Host)...)
	out := &lineWriter{w: c.Out}
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, so that a timeout kills what the hook
	// started too (a shell's children, a pipeline).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = waitDelay
	err = cmd.Run()
	out.flush()
	var exit *exec.ExitError
	switch {
	case err == nil, errors.Is(err, exec.ErrWaitDelay) && cmd.ProcessState.Success():
		return ResultOK, nil
	case ctx.Err() != nil:
		return ResultTimeout, errors.New("killed at exit")
	case rctx.Err() != nil:
		return ResultTimeout, fmt.Errorf("killed after %s (%s)", c.Timeout, c.TimeoutFlag)
	case errors.As(err, &exit):
		return ResultFailed, err // "exit status 127": /bin/sh found no such command
	}
	return ResultError, err
}

// args is the command line of one run.
func (c *Command) args(ev *Event) ([]string, error) {
	if c.Argv == nil {
		return []string{"/bin/sh", "-c", c.Shell}, nil
	}
	v, err := ev.View()
	if err != nil {
		return nil, err
	}
	args := make([]string, len(c.Argv))
	var b bytes.Buffer
	for i, t := range c.Argv {
		b.Reset()
		if err := t.Execute(&b, v); err != nil {
			return nil, err
		}
		args[i] = b.String()
	}
	return args, nil
}

// env is what a run learns of its event beside stdin. Every value is
// escaped as for a terminal: a hook that echoes one cannot be made to
// write control characters.
func env(ev *Event, host string) []string {
	return []string{
		"QMPWATCH_EVENT=" + safe.String(ev.Name),
		"QMPWATCH_VM=" + safe.String(ev.VM),
		"QMPWATCH_HOST=" + safe.String(host),
		"QMPWATCH_TIME=" + ev.timeText(),
		"QMPWATCH_SUMMARY=" + safe.String(ev.Summary),
	}
}

// lineWriter passes a run's output on in whole lines, each escaped, so
// that it neither cuts into qmpwatch's own lines nor writes control
// characters to a terminal. A line longer than maxLine is cut there.
type lineWriter struct {
	w   io.Writer
	buf []byte
}

const maxLine = 64 << 10

func (l *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.buf = append(l.buf, p...)
			if len(l.buf) >= maxLine {
				l.flush()
			}
			break
		}
		l.buf = append(l.buf, p[:i]...)
		l.flush()
		p = p[i+1:]
	}
	return n, nil
}

// flush writes out what is buffered as one line.
func (l *lineWriter) flush() {
	if len(l.buf) == 0 {
		return
	}
	line := safe.Append(nil, string(l.buf))
	l.w.Write(append(line, '\n'))
	l.buf = l.buf[:0]
}
