//go:build profile

package main

// Built only with -tags profile (scripts/bench-serve.sh PROFILE=1): a CPU
// profile of a running qmpwatch, for finding where its time goes under a
// benchmark's load. QMPWATCH_CPUPROFILE=FILE starts it at launch;
// it is written after QMPWATCH_CPUPROFILE_SECONDS (default 10) seconds,
// since the benchmarks end qmpwatch with a signal; FILE.heap gets the
// allocations profile then.

import (
	"os"
	"runtime/pprof"
	"strconv"
	"time"
)

func init() {
	path := os.Getenv("QMPWATCH_CPUPROFILE")
	if path == "" {
		return
	}
	secs, err := strconv.Atoi(os.Getenv("QMPWATCH_CPUPROFILE_SECONDS"))
	if err != nil || secs <= 0 {
		secs = 10
	}
	f, err := os.Create(path)
	if err != nil {
		return
	}
	if pprof.StartCPUProfile(f) != nil {
		f.Close()
		return
	}
	time.AfterFunc(time.Duration(secs)*time.Second, func() {
		pprof.StopCPUProfile()
		f.Close()
		// The allocations since launch, beside it: what the garbage
		// collector's share of the CPU profile is paying for.
		if h, err := os.Create(path + ".heap"); err == nil {
			pprof.Lookup("allocs").WriteTo(h, 0)
			h.Close()
		}
	})
}
