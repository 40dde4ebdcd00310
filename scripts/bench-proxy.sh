#!/usr/bin/env bash
# bench-proxy.sh: what `qmpwatch proxy` costs (issue 24). `make bench` runs it.
#
#   scripts/bench-proxy.sh [BINARY]      N=2000 CLIENTS=10 DURATION=5 RATE=150000 scripts/bench-proxy.sh
#
# - Added latency: a real QEMU 7.2 with two monitors, one direct and one
#   behind `qmpwatch proxy`; the median of N query-status round trips on each
#   (target: under 0.2 ms added).
# - Fan-out: a fake monitor (proxybench monitor) sends RATE events/s (every
#   10 ms) through the proxy to CLIENTS clients; the slowest client's events/s
#   over DURATION seconds (target >= 100,000, and no client disconnected).
# Exit status 1 when a target is missed.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${1:-bin/qmpwatch}")
N=${N:-2000}
CLIENTS=${CLIENTS:-10}
DURATION=${DURATION:-5}
RATE=${RATE:-150000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/qmpwatch-bench-proxy.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
waitsock() { for _ in $(seq 100); do [ -S "$1" ] && return 0; sleep 0.1; done; echo "bench-proxy: no socket $1" >&2; exit 1; }

go build -o "$tmp/proxybench" ./scripts/proxybench
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) (only meaningful on an idle machine)"
status=0

if command -v qemu-system-x86_64 >/dev/null; then
	qemu-system-x86_64 -machine pc,accel=tcg -m 64 -nodefaults -display none -S \
		-qmp "unix:$tmp/direct.qmp,server=on,wait=off" -qmp "unix:$tmp/shared.qmp,server=on,wait=off" 2>"$tmp/qemu.err" &
	pids+=($!)
	waitsock "$tmp/shared.qmp"
	"$BIN" proxy "$tmp/shared.qmp" --listen "$tmp/proxy.qmp" 2>"$tmp/proxy.err" &
	pids+=($!)
	waitsock "$tmp/proxy.qmp"
	out=$("$tmp/proxybench" latency "$tmp/direct.qmp" "$tmp/proxy.qmp" "$N")
	echo "query-status round trip, median of $N: $out"
	added=$(echo "$out" | sed 's/.*added \([-0-9.]*\) ms/\1/')
	awk -v a="$added" 'BEGIN { exit !(a < 0.2) }' || { echo "bench-proxy: added latency $added ms, target < 0.2 ms" >&2; status=1; }
else
	echo "bench-proxy: qemu-system-x86_64 not found, latency not measured" >&2
	status=1
fi

"$tmp/proxybench" monitor "$tmp/flood.qmp" "$RATE" - &
pids+=($!)
waitsock "$tmp/flood.qmp"
"$BIN" proxy "$tmp/flood.qmp" --listen "$tmp/fan.qmp" 2>"$tmp/fan.err" &
pids+=($!)
waitsock "$tmp/fan.qmp"
out=$("$tmp/proxybench" fanout "$tmp/fan.qmp" "$CLIENTS" "$DURATION")
echo "fan-out through the proxy, $RATE events/s sent: $out"
grep -q disconnected "$tmp/fan.err" && { echo "bench-proxy: clients were disconnected for not keeping up: $(grep -c disconnected "$tmp/fan.err")" >&2; status=1; }
rate=$(echo "$out" | sed 's/.*slowest \([0-9]*\) events.*/\1/')
[ "$rate" -ge 100000 ] || { echo "bench-proxy: $rate events/s to the slowest client, target >= 100000" >&2; status=1; }
exit $status
