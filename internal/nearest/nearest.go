// Package nearest finds the known word closest to a mistyped one, for the
// "did you mean" of every error that names something unknown: an event in
// a filter, a libvirt domain, a config key.
package nearest

import "strings"

// Word returns the candidate closest to got (case-insensitive; ties go to
// the one that sorts first) and its edit distance, or "" and -1 when there
// are no candidates.
func Word(got string, candidates []string) (string, int) {
	best, bestD := "", -1
	g := strings.ToLower(got)
	for _, c := range candidates {
		d := Distance(g, strings.ToLower(c))
		if bestD < 0 || d < bestD || d == bestD && c < best {
			best, bestD = c, d
		}
	}
	return best, bestD
}

// Typo returns the candidate closest to got when it is close enough to be
// a likely typo of it (at most a third of got's length, or 2, edits), else "".
func Typo(got string, candidates []string) string {
	best, d := Word(got, candidates)
	if d < 0 || d > max(2, len(got)/3) {
		return ""
	}
	return best
}

// Distance is the Damerau-Levenshtein distance between a and b, counting an
// adjacent swap as one edit (outptu is one edit from output), on bytes.
func Distance(a, b string) int {
	// Three rows: the swap looks two rows back.
	prev2 := make([]int, len(b)+1)
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
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
