package action

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/filter"
	"github.com/qmpwatch/qmpwatch/internal/safe"
)

// Defaults of --exec-jobs, --exec-queue and --exec-timeout.
const (
	DefaultJobs    = 4
	DefaultQueue   = 1000
	DefaultTimeout = 30 * time.Second
)

// Results of a run, the result label of qmpwatch_exec_total and
// qmpwatch_webhook_total.
const (
	ResultOK      = "ok"
	ResultFailed  = "failed"  // a non-zero exit; a webhook that gave up
	ResultTimeout = "timeout" // killed at the timeout, or at exit
	ResultError   = "error"   // could not start
)

// Runner does one run of an action for one event. ctx ends when the
// engine stops for good (after Close's grace); a runner bounds its own
// run inside that. It returns the result and, unless ok, why.
type Runner interface {
	Run(ctx context.Context, ev *Event) (result string, err error)
}

// Action is one thing done per event.
type Action struct {
	// Name is "--exec" for the flag, else the config action's name.
	Name string
	// Kind is "exec" or "webhook": the metric its runs count in, and the
	// sink label of its drops.
	Kind string
	// Filter, when set, chooses the events (the action's events, where
	// and jq); nil takes every event the engine is given.
	Filter *filter.Set
	Runner Runner
}

// who names the action at the start of its lines on stderr.
func (a *Action) who() string {
	if strings.HasPrefix(a.Name, "-") {
		return a.Name
	}
	return "action " + safe.String(a.Name) // the config file's text
}

// Options configure an Engine.
type Options struct {
	// Jobs is how many runs go at once, each for a different VM and
	// action (0: DefaultJobs).
	Jobs int
	// Queue bounds the runs waiting per VM and action; past it the oldest
	// is dropped (0: DefaultQueue).
	Queue int
	// QueueFlag names Queue's flag in the drop notes ("--exec-queue").
	QueueFlag string
	// Grace is how long Close lets the queued runs finish (0: DefaultTimeout).
	Grace time.Duration
	// ErrOut gets one line per failure, per second of drops per queue, and
	// what was left at Close. It must keep concurrent lines whole.
	ErrOut io.Writer
	// Ran, when set, counts each finished run (serve's metrics).
	Ran func(vm, kind, action, result string)
	// Dropped, when set, counts the runs dropped, queued or left at Close.
	Dropped func(vm, kind string, n int)
	// Every is how often drops are said (0: a second).
	Every time.Duration
}

// Engine queues and runs actions. Deliver is called from one goroutine
// (the pipeline's), Close once when the stream has ended.
type Engine struct {
	o       Options
	actions []*Action
	ctx     context.Context // ends at the end of Close's grace: running runs are killed
	kill    context.CancelFunc
	workers sync.WaitGroup
	noter   chan struct{} // closed at Close: the drop noter stops

	mu      sync.Mutex
	cond    *sync.Cond
	queues  map[qkey]*queue
	ready   []*queue // queues with runs waiting and none running, in turn
	busy    int      // runs going on
	stopped bool     // after the grace: no run starts any more
	killed  int      // runs cut short at the end of the grace
}

type qkey struct {
	a  *Action
	vm string
}

// queue holds the waiting runs of one action for one VM.
type queue struct {
	qkey
	ring    ring
	running bool
	waiting bool // in Engine.ready
	dropped int  // not yet said
}

// New starts an engine of Jobs workers for the actions.
func New(o Options, actions ...*Action) *Engine {
	if o.Jobs <= 0 {
		o.Jobs = DefaultJobs
	}
	if o.Queue <= 0 {
		o.Queue = DefaultQueue
	}
	if o.Grace <= 0 {
		o.Grace = DefaultTimeout
	}
	if o.Every <= 0 {
		o.Every = time.Second
	}
	e := &Engine{o: o, actions: actions, queues: map[qkey]*queue{}, noter: make(chan struct{})}
	e.cond = sync.NewCond(&e.mu)
	e.ctx, e.kill = context.WithCancel(context.Background())
	for i := 0; i < o.Jobs; i++ {
		e.workers.Add(1)
		go e.work()
	}
	e.workers.Add(1)
	go e.noteDrops()
	return e
}

// Deliver queues a run of each action whose filter takes ev (pipeline.Sink).
// It never waits on a run: a full queue drops its oldest run instead.
func (e *Engine) Deliver(ev *decode.Event) {
	var cp *Event
	for _, a := range e.actions {
		if a.Filter != nil {
			ok, _, err := a.Filter.Eval(context.Background(), ev)
			if err != nil {
				fmt.Fprintf(e.o.ErrOut, "qmpwatch: %s: %s\n", a.who(), safe.String(err.Error()))
			}
			if !ok {
				continue
			}
		}
		if cp == nil {
			cp = newEvent(ev)
		}
		e.enqueue(a, cp)
	}
}

func (e *Engine) enqueue(a *Action, ev *Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopped {
		return
	}
	k := qkey{a, ev.VM}
	q := e.queues[k]
	if q == nil {
		q = &queue{qkey: k}
		e.queues[k] = q
	}
	if q.ring.push(ev, e.o.Queue) {
		q.dropped++
		if e.o.Dropped != nil {
			e.o.Dropped(ev.VM, a.Kind, 1)
		}
	}
	if !q.running && !q.waiting {
		q.waiting = true
		e.ready = append(e.ready, q)
		e.cond.Broadcast()
	}
}

// work runs one waiting run at a time, taking the queues in turn: a VM
// with a long backlog does not starve the others.
func (e *Engine) work() {
	defer e.workers.Done()
	e.mu.Lock()
	defer e.mu.Unlock()
	for {
		for len(e.ready) == 0 && !e.stopped {
			e.cond.Wait()
		}
		if e.stopped {
			return
		}
		q := e.ready[0]
		e.ready = e.ready[1:]
		q.waiting, q.running = false, true
		ev := q.ring.pop()
		e.busy++
		e.mu.Unlock()
		result, err := q.a.Runner.Run(e.ctx, ev)
		e.mu.Lock()
		e.busy--
		q.running = false
		e.finished(q, ev, result, err)
		switch {
		case q.ring.n > 0:
			q.waiting = true
			e.ready = append(e.ready, q)
		case q.dropped == 0:
			delete(e.queues, q.qkey) // VMs come and go: keep no empty queue
		}
		e.cond.Broadcast()
	}
}

// finished reports a run: a count, and a line unless it went well. A run
// killed at the end of the grace is said in Close's summary instead.
func (e *Engine) finished(q *queue, ev *Event, result string, err error) {
	if e.stopped {
		e.killed++
		result = ResultTimeout
	} else if result != ResultOK {
		fmt.Fprintf(e.o.ErrOut, "qmpwatch: %s: %s %s: %s\n", q.a.who(), safe.String(ev.VM), safe.String(ev.Name), safe.String(err.Error()))
	}
	if e.o.Ran != nil {
		e.o.Ran(ev.VM, q.a.Kind, q.a.Name, result)
	}
}
