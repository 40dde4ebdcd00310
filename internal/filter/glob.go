package filter

import (
	"fmt"
	"path"
	"strings"
)

// Globs is a list of event name patterns; a name matches when any of them
// does. Matching is case-insensitive: `spice_*` finds SPICE_CONNECTED.
type Globs struct {
	exact    map[string]bool // patterns without wildcards, upper-cased
	names    []string        // the same, in the order given
	patterns []string        // shell globs, upper-cased
}

// CompileGlobs checks and compiles patterns. Each element may hold several
// patterns separated by commas, as a repeated flag's value can. An empty
// result means "no patterns" (see Empty).
func CompileGlobs(patterns []string) (*Globs, error) {
	g := &Globs{exact: map[string]bool{}}
	for _, list := range patterns {
		for _, p := range strings.Split(list, ",") {
			p = strings.ToUpper(strings.TrimSpace(p))
			if p == "" {
				continue
			}
			if !strings.ContainsAny(p, `*?[\`) {
				if !g.exact[p] {
					g.exact[p] = true
					g.names = append(g.names, p)
				}
				continue
			}
			if _, err := path.Match(p, ""); err != nil {
				return nil, fmt.Errorf("bad event pattern %q: %w", p, err)
			}
			g.patterns = append(g.patterns, p)
		}
	}
	return g, nil
}

// Empty reports whether there are no patterns at all.
func (g *Globs) Empty() bool { return g == nil || len(g.exact) == 0 && len(g.patterns) == 0 }

// Match reports whether name matches any pattern.
func (g *Globs) Match(name string) bool {
	if g == nil {
		return false
	}
	// QMP event names are upper case already; ToUpper then returns its
	// argument without allocating.
	name = strings.ToUpper(name)
	if g.exact[name] {
		return true
	}
	for _, p := range g.patterns {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

// List returns the patterns, upper-cased, for messages and warnings.
func (g *Globs) List() []string {
	if g == nil {
		return nil
	}
	return append(append([]string(nil), g.names...), g.patterns...)
}
