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
	// QuietRefused: an attempt that finds nobody there (refused, or closed
	// before the greeting) is not reported and not counted as a failure.
	// The folder watch sets it for a path it already spoke about: the stale
	// file a killed QEMU left (or is still closing), or the socket a
	// starting QEMU has bound but does not listen on yet.
	QuietRefused bool
}

// Dial adds a source that connects to t and streams its events. Without
// Reconnect, one failed attempt or the end of the session ends the source.
func (m *Merge) Dial(t Target) {
	m.spawn(func() { m.dial(t) })
}

// dialEnd is how a dialled source ended.
type dialEnd struct {
	connected bool // a session began
	refused   bool // the last attempt was refused: nothing listens
	failed    bool // the source failed (an attempt, or the session)
}

// dial runs t's sessions and says how they ended.
func (m *Merge) dial(t Target) (end dialEnd) {
	bo := m.o.Backoff()
	lastErr := ""
	// failed says how the source ended; it only matters without Reconnect,
	// since a redialling source runs until qmpwatch is stopped.
	failed, connected, refused := false, false, false
	defer func() {
		m.count(failed)
		end = dialEnd{connected: connected, refused: refused, failed: failed}
	}()
	var names vmNames
	for {
		if t.WhileExists && !exists(t.Addr.Address) {
			return
		}
		c, name, err := Open(m.ctx, t.Addr, m.o.Conn, t.Label)
		note := ""
		if err == nil && t.Label == "" {
			note = names.admit(c, name)
		}
		if err == nil {
			var attached string
			if attached, err = m.attach(c); err != nil {
				c.Close()
			}
			note = attached + note
		}
		if err != nil {
			if m.ctx.Err() != nil {
				return
			}
			var limit *conn.FDLimitError
			if errors.As(err, &limit) && (t.Reconnect || t.WhileExists) {
				// qmpwatch is out of files, and nothing was said to
				// the monitor: dial again, with backoff, once some
				// close. The limit and how to raise it are said once,
				// for every socket that meets it.
				if m.fdLimitSaid.CompareAndSwap(false, true) {
					m.report(Status{Kind: Unreachable, Addr: t.Addr.String(), Err: err, Failure: true, Retrying: true, At: time.Now()})
				}
				if !m.sleep(bo.Next()) {
					return
				}
				continue
			}
			refused = errors.Is(err, conn.ErrRefused)
			// A socket in a watched folder that went between the poll and
			// the dial (a QEMU restarting) is no news at all.
			gone := t.WhileExists && errors.Is(err, conn.ErrNoSocket)
			refused = refused || gone
			quiet := gone || (t.QuietRefused && (refused || errors.Is(err, conn.ErrNoGreeting)))
			if !quiet {
				failed = true
			}
			// Say it once per distinct reason, not at every retry.
			if err.Error() != lastErr && !quiet {
				lastErr = err.Error()
				m.report(Status{Kind: Unreachable, Addr: t.Addr.String(), Err: err, Failure: true, Retrying: t.Reconnect, At: time.Now()})
			}
			if !t.Reconnect || !m.sleep(bo.Next()) {
				return
			}
			continue
		}
		lastErr, refused = "", false
		bo.Reset()
		connected = true
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
