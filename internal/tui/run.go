package tui

import (
	"context"
	"errors"
	"io"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/live"
)

// ErrSourceFailed says that at least one monitor could not be watched; the
// reason was shown in the status line.
var ErrSourceFailed = errors.New("a monitor could not be watched")

// Run shows cfg's view full-screen on the terminal (the alternate screen,
// restored on exit), fed by a live source per address, until q or Ctrl-C,
// or until ctx ends. The view stays up after the sources end, for reading.
func Run(ctx context.Context, cfg Config, in io.Reader, out io.Writer, addrs []conn.Addr, o live.Options) error {
	if o.Now == nil {
		o.Now = cfg.Now
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := New(cfg)
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out))
	send := func(it live.Item) bool {
		if ctx.Err() != nil {
			return false
		}
		p.Send(ItemMsg(it)) // returns at once when the program has ended
		return ctx.Err() == nil
	}
	for _, a := range addrs {
		go live.Watch(ctx, a, o, send)
	}
	_, err := p.Run()
	cancel()
	if errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, tea.ErrInterrupted) {
		err = nil // ctx ended: an interrupt, a normal end
	}
	if err == nil && m.failed > 0 {
		err = ErrSourceFailed
	}
	return err
}
