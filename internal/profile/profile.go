//go:build profile

// Package profile is built only with -tags profile (scripts/bench-serve.sh
// PROFILE=1): a CPU profile of a running qmpwatch, for finding where its
// time goes under a benchmark's load.
package profile

import (
	"os"
	"runtime/pprof"
	"strconv"
	"time"
)

// FromEnv starts the profile QMPWATCH_CPUPROFILE=FILE asks for, if any.
// It is written after QMPWATCH_CPUPROFILE_SECONDS (default 10) seconds,
// since the benchmarks end qmpwatch with a signal.
func FromEnv() {
	path := os.Getenv("QMPWATCH_CPUPROFILE")
	if path == "" {
		return
	}
	secs, err := strconv.Atoi(os.Getenv("QMPWATCH_CPUPROFILE_SECONDS"))
	if err != nil || secs <= 0 {
		secs = 10
	}
	// A profile that cannot start is no profile: qmpwatch runs as it
	// would without the tag.
	if stop, err := Start(path); err == nil {
		time.AfterFunc(time.Duration(secs)*time.Second, stop)
	}
}

// Start profiles the CPU into path until stop, which also writes the
// allocations profile into path.heap.
func Start(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		// The allocations since launch, beside it: what the garbage
		// collector's share of the CPU profile is paying for.
		if h, err := os.Create(path + ".heap"); err == nil {
			pprof.Lookup("allocs").WriteTo(h, 0)
			h.Close()
		}
	}, nil
}
