#!/usr/bin/env bash
# bench-serve.sh: `qmpwatch serve` fed by VMS fake monitors at full speed
# (issue 17). `make bench` runs it after bench.sh.
#
#   scripts/bench-serve.sh [BINARY]      VMS=500 DURATION=10 scripts/bench-serve.sh
#
# scripts/simfleet serves VMS monitor sockets from one process, each sending
# the events of the real-QEMU recordings (testdata/recordings, SHUTDOWN left
# out) over and over, as fast as qmpwatch reads. serve --dir watches them all.
# The script reports:
#   - events/s counted by serve with metrics on: the growth of
#     sum(qmpwatch_events_total) over DURATION seconds (target >= 200000);
#   - the cost of one scrape of /metrics with VMS VMs, plain and gzipped as
#     Prometheus asks for it: the median time of 5 (target < 50 ms) and the
#     bytes, both while the fleet floods serve and with the fleet paused;
#   - serve's peak memory (VmHWM).
# It needs curl and Go (to build simfleet). Exit status 1 when a target is missed.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${1:-bin/qmpwatch}")
VMS=${VMS:-500}
DURATION=${DURATION:-10}
command -v curl >/dev/null || { echo "bench-serve: curl is needed" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/qmpwatch-bench-serve.XXXXXX")
fleet_pid= serve_pid=
cleanup() {
	[ -n "$fleet_pid" ] && kill -CONT "$fleet_pid" 2>/dev/null && kill "$fleet_pid" 2>/dev/null
	[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/simfleet" ./scripts/simfleet
mkdir "$tmp/sock"
"$tmp/simfleet" "$tmp/sock" "$VMS" testdata/recordings/*.qmp 2>"$tmp/fleet.err" &
fleet_pid=$!
for _ in $(seq 300); do grep -q serving "$tmp/fleet.err" 2>/dev/null && break; sleep 0.1; done
grep -q serving "$tmp/fleet.err" || { echo "bench-serve: simfleet did not start: $(cat "$tmp/fleet.err")" >&2; exit 1; }

"$BIN" serve --dir "$tmp/sock" --metrics 127.0.0.1:0 2>"$tmp/serve.err" &
serve_pid=$!
url=
for _ in $(seq 300); do
	url=$(sed -n 's/^qmpwatch: serving metrics on \(http:[^ ]*\)$/\1/p' "$tmp/serve.err")
	[ -n "$url" ] && break
	sleep 0.1
done
[ -n "$url" ] || { echo "bench-serve: serve did not start: $(head -c 500 "$tmp/serve.err")" >&2; exit 1; }

scrape() { curl -sf "$url" >"$tmp/scrape"; }
up() { awk '/^qmpwatch_up\{/ && $2 == 1 {n++} END {print n+0}' "$tmp/scrape"; }
total() { awk '/^qmpwatch_events_total\{/ {s += $2} END {printf "%.0f", s}' "$tmp/scrape"; }
for _ in $(seq 600); do scrape && [ "$(up)" -ge "$VMS" ] && break; sleep 0.1; done
[ "$(up)" -ge "$VMS" ] || { echo "bench-serve: only $(up) of $VMS VMs connected" >&2; exit 1; }

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "serve --dir with $VMS fake monitors ($(sed -n 's/.*, \([0-9]*\) events a pass/\1/p' "$tmp/fleet.err") events each, repeated) at full speed"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (the figures are only meaningful on an idle machine)"
# cpu PID: user+system CPU seconds the process has used.
tck=$(getconf CLK_TCK)
cpu() { awk -v t="$tck" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"; }
fail=0
scrape; t0=$(date +%s.%N); e0=$(total); c0=$(cpu "$serve_pid"); f0=$(cpu "$fleet_pid")
sleep "$DURATION"
scrape; t1=$(date +%s.%N); e1=$(total); c1=$(cpu "$serve_pid"); f1=$(cpu "$fleet_pid")
rate=$(awk -v a="$e0" -v b="$e1" -v s="$t0" -v e="$t1" 'BEGIN {printf "%d", (b - a) / (e - s)}')
percpu=$(awk -v a="$e0" -v b="$e1" -v x="$c0" -v y="$c1" 'BEGIN {printf "%d", (y > x) ? (b - a) / (y - x) : 0}')
ok=$(awk -v r="$rate" 'BEGIN {print (r >= 200000) ? "ok" : "MISSED"}')
[ "$ok" = ok ] || fail=1
echo "events counted: $rate events/s over ${DURATION}s (target >= 200000) $ok; dropped: $(awk '/^qmpwatch_events_dropped_total\{/ {s += $2} END {print s+0}' "$tmp/scrape")"
echo "  serve used $(awk -v x="$c0" -v y="$c1" -v d="$DURATION" 'BEGIN {printf "%.2f", (y - x) / d}') CPUs ($percpu events per CPU-second), simfleet $(awk -v x="$f0" -v y="$f1" -v d="$DURATION" 'BEGIN {printf "%.2f", (y - x) / d}') CPUs"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# cost LABEL CURL-ARGS...: median time (ms) of 5 scrapes and their size.
cost() {
	local label=$1; shift
	local times=() size=0 r
	for _ in 1 2 3 4 5; do
		r=$(curl -sf -o /dev/null -w '%{time_total} %{size_download}' "$@" "$url")
		times+=("$(awk -v t="${r% *}" 'BEGIN {printf "%.1f", t * 1000}')"); size=${r#* }
	done
	local ms; ms=$(printf '%s\n' "${times[@]}" | median)
	local verdict; verdict=$(awk -v m="$ms" 'BEGIN {print (m < 50) ? "ok" : "MISSED"}')
	[ "$verdict" = ok ] || fail=1
	printf '  %-34s %7s ms %9s bytes  %s\n' "$label" "$ms" "$size" "$verdict"
}
series=$(grep -c '^qmpwatch_' "$tmp/scrape")
echo "scrape of $VMS VMs ($series qmpwatch series), median of 5 (target < 50 ms):"
cost "plain, under load"
cost "gzip, under load" -H 'Accept-Encoding: gzip'
kill -STOP "$fleet_pid"
# The sockets still hold what the fleet wrote: wait until serve has read it.
prev=-1
for _ in $(seq 120); do scrape; now=$(total); [ "$now" = "$prev" ] && break; prev=$now; sleep 1; done
cost "plain, fleet paused"
cost "gzip, fleet paused" -H 'Accept-Encoding: gzip'
# The CPU time of a scrape does not depend on what else the machine runs.
for enc in identity gzip; do
	c0=$(cpu "$serve_pid")
	for _ in $(seq 20); do curl -sf -o /dev/null -H "Accept-Encoding: $enc" "$url"; done
	c1=$(cpu "$serve_pid")
	printf '  %-34s %7s ms of CPU per scrape\n' "$enc, fleet paused, mean of 20" "$(awk -v x="$c0" -v y="$c1" 'BEGIN {printf "%.1f", (y - x) * 1000 / 20}')"
done
kill -CONT "$fleet_pid"
echo "serve peak memory: $(awk '/VmHWM/ {printf "%d MB", $2 / 1024}' "/proc/$serve_pid/status")"
exit $fail
