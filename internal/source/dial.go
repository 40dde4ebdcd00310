package source

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/conn"
)

// Target is one monitor to dial.
type Target struct {
	Addr      conn.Addr
	Label     string // overrides the VM's name in the output when set
	Reconnect bool   // redial with backoff whenever the session ends or fails
	// WhileExists stops redialling once the socket file is gone (folder
	// watching: a VM that stopped and removed its socket).
	WhileExists bool
}

// Dial adds a source that connects to t and streams its events. Without
// Reconnect, one failed attempt or the end of the session ends the source.
func (m *Merge) Dial(t Target) {
	m.spawn(func() { m.dial(t) })
}

func (m *Merge) dial(t Target) {
	bo := m.o.Backoff()
	lastErr := ""
	// failed says how the source ended; it only matters without Reconnect,
	// since a redialling source runs until qmpwatch is stopped.
	failed := false
	defer func() { m.count(failed) }()
	for {
		if t.WhileExists && !exists(t.Addr.Address) {
			return
		}
		c, name, err := Open(m.ctx, t.Addr, m.o.Conn, t.Label)
		note := ""
		if err == nil {
			if note, err = m.attach(c); err != nil {
				c.Close()
			}
		}
		if err != nil {
			if m.ctx.Err() != nil {
				return
			}
			failed = true
			// Say it once per distinct reason, not at every retry.
			if err.Error() != lastErr {
				lastErr = err.Error()
				m.report(Status{Kind: Unreachable, Addr: t.Addr.String(), Err: err, Failure: true, Retrying: t.Reconnect, At: time.Now()})
			}
			if !t.Reconnect || !m.sleep(bo.Next()) {
				return
			}
			continue
		}
		lastErr = ""
		bo.Reset()
		err = m.session(c, name, note, "reconnected to "+t.Addr.String())
		c.Close()
		failed = !errors.Is(err, conn.ErrClosed)
		if !m.ended(c, err, t.Reconnect) || !t.Reconnect || !m.sleep(bo.Next()) {
			return
		}
	}
}

// Open is the one way qmpwatch connects to a monitor, whatever the command:
// dial, greeting, capabilities, then query-name, and the client labelled
// with label when set, else the VM's -name, else the address's default
// label. A failed query-name is no reason to give up on a monitor: the VM
// keeps its address's label, and a connection that broke is reported by
// the client's Next, after the events that came before the break.
func Open(ctx context.Context, addr conn.Addr, o conn.Options, label string) (*conn.Client, string, error) {
	c, err := conn.Dial(ctx, addr, o)
	if err != nil {
		return nil, "", err
	}
	name, _ := c.VMName()
	switch {
	case label != "":
		c.SetLabel(label)
	case name != "":
		c.SetLabel(name)
	}
	return c, name, nil
}

// sleep waits d, or returns false when the Merge is stopping.
func (m *Merge) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-m.ctx.Done():
		return false
	}
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
