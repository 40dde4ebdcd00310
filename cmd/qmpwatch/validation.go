package main

import (
	"fmt"
	"io"
	"sync"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/render"
)

// schemaChecker validates every event (--schema, --strict): against the
// running QEMU's own schema when it was fetched at connect (live, or auto
// when the fetch worked), otherwise against the builtin catalog, as the QEMU
// version of the VM's greeting. Each distinct violation is reported once per
// VM, event and problem on stderr; the event itself still goes on, unless
// --strict makes the first violation fatal.
type schemaChecker struct {
	mode    string // auto, builtin, live
	strict  bool
	errOut  io.Writer
	builtin *decode.Catalog

	mu   sync.Mutex
	vms  map[string]vmSchema // by VM label
	seen map[string]bool     // "vm\x00event\x00problem" already reported
}

type vmSchema struct {
	cat     *decode.Catalog
	version decode.Version
}

func newSchemaChecker(o *eventOptions, errOut io.Writer) *schemaChecker {
	return &schemaChecker{
		mode:    o.schema,
		strict:  o.strict,
		errOut:  errOut,
		builtin: decode.Builtin(),
		vms:     map[string]vmSchema{},
		seen:    map[string]bool{},
	}
}

// attach learns a connected VM's version and its schema. --schema live
// fetches the VM's own schema before any event (a failed fetch is an
// error). auto asks for it without waiting: events are checked against the
// builtin catalog until the reply arrives, then against the VM's own
// schema; a monitor that refuses or never answers leaves the catalog in use.
func (s *schemaChecker) attach(c *conn.Client, label string) error {
	version := c.Greeting().Version
	s.setVM(label, vmSchema{cat: s.builtin, version: version})
	switch s.mode {
	case "live":
		live, err := s.fetch(c)
		if err != nil {
			return fmt.Errorf("--schema live: %w", err)
		}
		s.setVM(label, vmSchema{cat: live, version: version})
	case "auto":
		// A failed send means the session is ending: Next says why.
		_ = c.QueryAsync("query-qmp-schema", nil, func(ret []byte, err error) {
			if err != nil {
				return
			}
			if live, err := decode.FromQMPSchema(ret); err == nil {
				s.setVM(label, vmSchema{cat: live, version: version})
			}
		})
	}
	return nil
}

func (s *schemaChecker) fetch(c *conn.Client) (*decode.Catalog, error) {
	raw, err := c.Query("query-qmp-schema", nil)
	if err != nil {
		return nil, err
	}
	return decode.FromQMPSchema(raw)
}

// setVersion records the QEMU version of a VM whose events come from
// elsewhere (a log with a greeting), for checks against the builtin catalog.
func (s *schemaChecker) setVersion(label string, v decode.Version) {
	s.setVM(label, vmSchema{cat: s.builtin, version: v})
}

func (s *schemaChecker) setVM(label string, vs vmSchema) {
	s.mu.Lock()
	s.vms[label] = vs
	s.mu.Unlock()
}

// check is the pipeline's validate hook: it fills ev.Check and reports
// violations. Only a --strict violation returns an error (exit 1).
func (s *schemaChecker) check(ev *decode.Event) error {
	s.mu.Lock()
	vs, ok := s.vms[ev.VM]
	s.mu.Unlock()
	if !ok {
		vs = vmSchema{cat: s.builtin}
	}
	ev.Check = vs.cat.Validate(ev, vs.version)
	if ev.Check.Unknown && vs.cat != s.builtin {
		// qmpwatch's own markers are in no QEMU's schema.
		if spec := s.builtin.Lookup(ev.Name); spec != nil && spec.Own {
			ev.Check = s.builtin.Validate(ev, vs.version)
		}
	}
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
			fmt.Fprintf(s.errOut, "%s: %s: %s\n", render.Safe(ev.VM), render.Safe(ev.Name), p)
		} else {
			fmt.Fprintf(s.errOut, "%s: %s\n", render.Safe(ev.Name), p)
		}
		if s.strict {
			fmt.Fprintln(s.errOut, "qmpwatch: schema violation (--strict)")
			return errReported{code: exitError}
		}
	}
	return nil
}
