package main

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/spf13/cobra"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/logfile"
)

type replayOptions struct {
	eventOptions
	follow bool
}

func newReplayCmd(a *app) *cobra.Command {
	o := &replayOptions{}
	cmd := &cobra.Command{
		Use:   "replay [FILE...]",
		Short: "Print the events of recorded logs, with the same filters and outputs as watch",
		Long: `Read recorded events and print them like watch does, with the same schema
checks, filters, --count/--until and output formats. With no FILE, or with -,
read standard input.

Each line may be, mixed freely in one file:
  - a qmpwatch -o json line (its "vm" is kept);
  - a line of a raw QMP transcript (a greeting sets the QEMU version for schema
    checks; replies and commands are skipped);
  - virsh qemu-monitor-event --loop output, with or without --timestamp
    (the domain becomes the event's vm).
Files may be gzip-compressed (recognised by content, whatever their name).

A line that is none of these gets one warning on stderr, with its file and line
number, and is skipped. Events of lines that name no VM are labelled with
--label, else the file's base name without extensions ("stdin" for stdin).`,
		Example: `  qmpwatch replay vm1.log
  qmpwatch replay -e 'BLOCK_JOB_*' -o json events.log.gz
  virsh qemu-monitor-event --loop | qmpwatch replay
  qmpwatch replay -F /var/log/qmpwatch/vm1.log    # keep reading, like tail -f`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReplay(cmd.Context(), a.streams, o, args)
		},
	}
	fs := cmd.Flags()
	addOutputFlags(fs, &o.eventOptions)
	addFilterFlags(fs, &o.eventOptions)
	addSchemaFlags(fs, &o.eventOptions)
	fs.BoolVarP(&o.follow, "follow", "F", false, "at the end of a file, wait for more lines, like tail -f (until interrupted)")
	return cmd
}

func runReplay(ctx context.Context, s *Streams, o *replayOptions, args []string) error {
	if o.schema == "live" {
		return usageErrorf("--schema live needs a running QEMU's monitor, and replay reads logs: use --schema auto or builtin")
	}
	if len(args) == 0 {
		args = []string{"-"}
	}
	// Readers warn from pump's reading goroutine while the pipeline may
	// write to stderr too: serialise them.
	ls := s.lockedStderr()
	p, err := newPipeline(ls, &o.eventOptions, true)
	if err != nil {
		return err
	}
	var skip func(string, []byte) bool
	if p.f.CanReject() {
		skip = p.unwanted
	}
	src, err := openLogs(args, ls.In, o, ls.ErrOut, skip, p.readsData)
	if err != nil {
		return err
	}
	defer src.Close()
	return pump(ctx, p, src, "replay", ls)
}

// logSource reads the events of several logs: one after the other, or,
// when following, all at once as they grow.
type logSource struct {
	readers []*logfile.Reader
	cur     int
	follow  bool
	merged  chan item // following several logs: their events as they come
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

func openLogs(args []string, stdin io.Reader, o *replayOptions, errOut io.Writer, skip func(string, []byte) bool, decodeData bool) (*logSource, error) {
	src := &logSource{follow: o.follow}
	stdinUsed := false
	for _, name := range args {
		lo := logfile.Options{
			Label:  o.label,
			Follow: o.follow,
			Warn:   func(e *logfile.LineError) { fmt.Fprintf(errOut, "qmpwatch: %s\n", e) },
			Skip:   skip,
			Decode: decodeData,
		}
		var r *logfile.Reader
		var err error
		if name == "-" {
			if stdinUsed {
				src.Close()
				return nil, usageErrorf("standard input (-) given twice")
			}
			stdinUsed = true
			lo.Name = "stdin"
			r, err = logfile.NewReader(stdin, lo)
		} else {
			r, err = logfile.Open(name, lo)
		}
		if err != nil {
			src.Close()
			return nil, err
		}
		src.readers = append(src.readers, r)
	}
	return src, nil
}

// Next implements eventSource. The end of the last log is io.EOF, which
// pump treats as a normal end.
func (l *logSource) Next(ctx context.Context) (*decode.Event, error) {
	if l.follow && len(l.readers) > 1 {
		// Followed logs never end, so they are read side by side.
		return l.nextMerged(ctx)
	}
	for l.cur < len(l.readers) {
		ev, err := l.readers[l.cur].Next(ctx)
		if err == io.EOF {
			l.cur++
			continue
		}
		return ev, err
	}
	return nil, io.EOF
}

func (l *logSource) nextMerged(ctx context.Context) (*decode.Event, error) {
	if l.merged == nil {
		mctx, cancel := context.WithCancel(ctx)
		l.cancel = cancel
		l.merged = make(chan item, 64)
		for _, r := range l.readers {
			l.wg.Add(1)
			go func(r *logfile.Reader) {
				defer l.wg.Done()
				for {
					ev, err := r.Next(mctx)
					if err == io.EOF {
						return // a gzip log or stdin ended; the others go on
					}
					select {
					case l.merged <- item{ev, err}:
					case <-mctx.Done():
						return
					}
					if err != nil {
						return
					}
				}
			}(r)
		}
		go func() { l.wg.Wait(); close(l.merged) }()
	}
	select {
	case it, ok := <-l.merged:
		if !ok {
			return nil, io.EOF
		}
		return it.ev, it.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close stops any following and closes the files.
func (l *logSource) Close() error {
	if l.cancel != nil {
		l.cancel()
		l.wg.Wait()
	}
	for _, r := range l.readers {
		r.Close()
	}
	return nil
}

// Version is the QEMU version of the last greeting read from the log being
// read (zero when none): what a replayed transcript's events are checked
// against.
func (l *logSource) Version() decode.Version {
	if l.cur < len(l.readers) {
		return l.readers[l.cur].Version()
	}
	return decode.Version{}
}
