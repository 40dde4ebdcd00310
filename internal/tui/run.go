package tui

import (
	"context"
	"errors"
	"io"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/qmpwatch/qmpwatch/internal/live"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// ErrSourceFailed says that at least one monitor could not be watched; the
// reason was shown in the status line.
var ErrSourceFailed = errors.New("a monitor could not be watched")

// Program is a view shown full-screen on a terminal (the alternate screen,
// restored on exit), fed by a live.Feed.
type Program struct {
	m    *Model
	p    *tea.Program
	ctx  context.Context
	done chan struct{} // closed when the view has ended
}

// NewProgram prepares cfg's view on the terminal in/out; it ends with ctx.
// Give its Send to live.NewFeed, then call Run.
func NewProgram(ctx context.Context, cfg Config, in io.Reader, out io.Writer) *Program {
	m := New(cfg)
	return &Program{m: m, ctx: ctx, done: make(chan struct{}),
		p: tea.NewProgram(m, tea.WithAltScreen(), tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out))}
}

// Send hands one item of the feed to the view. It waits until the view
// takes it, and returns false once the view has ended.
func (p *Program) Send(it live.Item) bool {
	select {
	case <-p.done:
		return false
	default:
	}
	p.p.Send(ItemMsg(it)) // returns at once when the program has ended
	select {
	case <-p.done:
		return false
	default:
		return p.ctx.Err() == nil
	}
}

// Run reads src (the Merge built with feed's SourceOptions) into the view
// until q or Ctrl-C, or until ctx ends. The view stays up after the
// sources end, for reading. It returns ErrSourceFailed when a source
// failed.
func (p *Program) Run(feed *live.Feed, src source.Source) error {
	ctx, cancel := context.WithCancel(p.ctx)
	defer cancel()
	go feed.Run(ctx, src)
	_, err := p.p.Run()
	close(p.done)
	cancel()
	if errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, tea.ErrInterrupted) {
		err = nil // ctx ended: an interrupt, a normal end
	}
	if err == nil && p.m.failed > 0 {
		err = ErrSourceFailed
	}
	return err
}
