// Command fleetlat measures, for scripts/bench-fleet.sh, the end-to-end
// latency of qmpwatch's fleet stream: it reads json lines (a reader's
// stdout) and, as each arrives, takes the time since the event's own QEMU
// timestamp. It prints the count, the rate and the p50/p99/max latencies.
//
//	qmpwatch watch nats://… -o json | fleetlat -n 10000
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"
)

func main() {
	n := flag.Int("n", 0, "stop after N lines (0: at the end of the input)")
	skip := flag.Int("skip", 0, "leave the first N lines out of the latencies (warm-up)")
	flag.Parse()
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var lat []time.Duration
	var first, last time.Time
	count := 0
	for sc.Scan() {
		now := time.Now()
		var ev struct {
			Timestamp struct{ Seconds, Microseconds int64 }
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			fmt.Fprintf(os.Stderr, "fleetlat: bad line: %v\n", err)
			os.Exit(1)
		}
		if count == 0 {
			first = now
		}
		last = now
		count++
		if count > *skip {
			lat = append(lat, now.Sub(time.Unix(ev.Timestamp.Seconds, ev.Timestamp.Microseconds*1000)))
		}
		if *n > 0 && count >= *n {
			break
		}
	}
	if len(lat) == 0 {
		fmt.Fprintln(os.Stderr, "fleetlat: no events")
		os.Exit(1)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	rate := 0.0
	if d := last.Sub(first).Seconds(); d > 0 {
		rate = float64(count-1) / d
	}
	fmt.Printf("%d %.0f %.2f %.2f %.2f\n", count, rate, pct(0.5), pct(0.99), pct(1))
}
