package libvirt

import (
	"strings"

	"github.com/qmpwatch/qmpwatch/internal/render"
)

// Suggest returns "; did you mean NAME?" for the defined domain closest to
// got, or "; defined domains: …" when none is close, or "" when there are
// none at all.
func Suggest(got string, names []string) string {
	best, bestD := "", -1
	for _, n := range names {
		d := distance(strings.ToLower(got), strings.ToLower(n))
		if bestD < 0 || d < bestD || d == bestD && n < best {
			best, bestD = n, d
		}
	}
	switch {
	case bestD < 0:
		return " (no domain is defined)"
	case bestD <= max(2, len(got)/3):
		return "; did you mean " + render.Safe(best) + "?"
	case len(names) <= 10:
		return "; defined domains: " + render.Safe(strings.Join(names, ", "))
	}
	return ""
}

// distance is the Levenshtein edit distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
