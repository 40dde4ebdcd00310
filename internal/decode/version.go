package decode

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a QEMU version. The zero Version means unknown (a replayed log
// without a greeting).
type Version struct {
	Major, Minor, Micro int
}

// Known reports whether the version was given.
func (v Version) Known() bool { return v != Version{} }

func (v Version) String() string {
	if !v.Known() {
		return "unknown"
	}
	return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Micro)
}

// Less orders versions.
func (v Version) Less(w Version) bool {
	if v.Major != w.Major {
		return v.Major < w.Major
	}
	if v.Minor != w.Minor {
		return v.Minor < w.Minor
	}
	return v.Micro < w.Micro
}

// ParseVersion reads "7.2", "7.2.0" or "0.14".
func ParseVersion(s string) (Version, error) {
	parts := strings.Split(strings.TrimSpace(s), ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Version{}, fmt.Errorf("bad version %q: want MAJOR.MINOR[.MICRO]", s)
	}
	var n [3]int
	for i, p := range parts {
		x, err := strconv.Atoi(p)
		if err != nil || x < 0 {
			return Version{}, fmt.Errorf("bad version %q: want MAJOR.MINOR[.MICRO]", s)
		}
		n[i] = x
	}
	return Version{n[0], n[1], n[2]}, nil
}
