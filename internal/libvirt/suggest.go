package libvirt

import (
	"strings"

	"github.com/qmpwatch/qmpwatch/internal/nearest"
	"github.com/qmpwatch/qmpwatch/internal/safe"
)

// Suggest returns "; did you mean NAME?" for the defined domain closest to
// got, or "; defined domains: …" when none is close, or "" when there are
// none at all.
func Suggest(got string, names []string) string {
	best, bestD := nearest.Word(got, names)
	switch {
	case bestD < 0:
		return " (no domain is defined)"
	case bestD <= max(2, len(got)/3):
		return "; did you mean " + safe.String(best) + "?"
	case len(names) <= 10:
		return "; defined domains: " + safe.String(strings.Join(names, ", "))
	}
	return ""
}
