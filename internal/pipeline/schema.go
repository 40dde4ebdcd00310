package pipeline

import (
	"fmt"
	"io"
	"sync"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/render"
	"github.com/qmpwatch/qmpwatch/internal/safe"
)

// schemaChecker validates every event (--schema, --strict): against the
// running QEMU's own schema when it was fetched at connect (live, or auto
// when the fetch worked), otherwise against the builtin catalog, as the
// QEMU version the event came from (Event.QEMU: its connection's greeting,
// or its transcript's). Each distinct violation is reported once per VM,
// event and problem on stderr; the event itself still goes on, unless
// --strict makes the first violation fatal.
type schemaChecker struct {
	mode    string // auto, builtin, live
	strict  bool
	errOut  io.Writer
	builtin *decode.Catalog
	notes   *render.UnknownNotes // what the catalog does not know, once per VM and event

	// vms holds a VM's own schema, by VM label: read for every event by
	// every source goroutine at once (serve), written once or twice per
	// connection.
	vms  sync.Map // string → *decode.Catalog
	mu   sync.Mutex
	seen map[string]bool // "vm\x00event\x00problem" already reported
}

func newSchemaChecker(mode string, strict bool, errOut io.Writer) *schemaChecker {
	return &schemaChecker{
		mode:    mode,
		strict:  strict,
		errOut:  errOut,
		builtin: decode.Builtin(),
		notes:   render.NewUnknownNotes(errOut, decode.Builtin().Newest()),
		seen:    map[string]bool{},
	}
}

// attach learns a connected VM's schema. --schema live fetches the VM's
// own schema before any event (a failed fetch is an error). auto asks for
// it without waiting: events are checked against the builtin catalog until
// the reply arrives, then against the VM's own schema; a monitor that
// refuses or never answers leaves the catalog in use.
func (s *schemaChecker) attach(c *conn.Client, label string) error {
	s.setVM(label, s.builtin)
	switch s.mode {
	case "live":
		raw, err := c.Query("query-qmp-schema", nil)
		if err == nil {
			var live *decode.Catalog
			if live, err = decode.FromQMPSchema(raw); err == nil {
				s.setVM(label, live)
				return nil
			}
		}
		return fmt.Errorf("--schema live: %w", err)
	case "auto":
		// A failed send means the session is ending: Next says why.
		_ = c.QueryAsync("query-qmp-schema", nil, func(ret []byte, err error) {
			if err != nil {
				return
			}
			if live, err := decode.FromQMPSchema(ret); err == nil {
				s.setVM(label, live)
			}
		})
	}
	return nil
}

func (s *schemaChecker) setVM(label string, cat *decode.Catalog) { s.vms.Store(label, cat) }

// check fills ev.Check and reports violations. Only a --strict violation
// returns an error (exit 1, already reported).
func (s *schemaChecker) check(ev *decode.Event) error {
	s.validate(ev)
	return s.report(ev)
}

// validate fills ev.Check, against the VM's own schema when it is known.
func (s *schemaChecker) validate(ev *decode.Event) {
	cat := s.builtin
	if x, ok := s.vms.Load(ev.VM); ok {
		cat = x.(*decode.Catalog)
	}
	ev.Check = cat.Validate(ev, ev.QEMU)
	if ev.Check.Unknown && cat != s.builtin {
		// qmpwatch's own markers are in no QEMU's schema.
		if spec := s.builtin.Lookup(ev.Name); spec != nil && spec.Own {
			ev.Check = s.builtin.Validate(ev, ev.QEMU)
		}
	}
}

// report says what ev.Check found: the notes of what the catalog does not
// know, and each violation once per VM, event and problem. Reporting an
// event twice says nothing new.
func (s *schemaChecker) report(ev *decode.Event) error {
	s.notes.Note(ev)
	if len(ev.Check.Problems) == 0 {
		return nil
	}
	for _, p := range ev.Check.Problems {
		key := ev.VM + "\x00" + ev.Name + "\x00" + p.String()
		s.mu.Lock()
		dup := s.seen[key]
		s.seen[key] = true
		s.mu.Unlock()
		if dup {
			continue
		}
		if ev.VM != "" {
			fmt.Fprintf(s.errOut, "%s: %s: %s\n", safe.String(ev.VM), safe.String(ev.Name), p)
		} else {
			fmt.Fprintf(s.errOut, "%s: %s\n", safe.String(ev.Name), p)
		}
		if s.strict {
			fmt.Fprintln(s.errOut, "qmpwatch: schema violation (--strict)")
			return exitcode.Reported{Code: exitcode.Error}
		}
	}
	return nil
}
