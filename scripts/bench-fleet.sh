#!/usr/bin/env bash
# bench-fleet.sh: the fleet stream (docs/fleet.md) through a local NATS
# server with JetStream, as issue 18 asks. Run by `make bench` after bench.sh.
#
#   scripts/bench-fleet.sh [BINARY]      EVENTS=200000 RATE_EVENTS=10000 scripts/bench-fleet.sh
#
# 1. publish: `simulate --speed 0` feeds `watch SOCK --publish nats://…` as
#    fast as it reads; events/s until the last acknowledgement (target >= 50000).
# 2. consume: `watch nats://… --since 1h -o json --count EVENTS`; events/s.
# 3. latency: events 1 ms apart (1,000 events/s, stamped when sent with
#    --retime) through publisher, server and reader; p50/p99 from the event's
#    timestamp to the line on the reader's stdout (target p99 < 50 ms).
# It needs nats-server (Debian package nats-server), jq, and go (for the small
# latency meter in scripts/fleetlat).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${1:-bin/qmpwatch}")
EVENTS=${EVENTS:-200000}
RATE_EVENTS=${RATE_EVENTS:-10000}
command -v nats-server >/dev/null || { echo "bench-fleet: nats-server is needed (apt-get install nats-server)" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/qmpwatch-fleet.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/fleetlat" ./scripts/fleetlat

# The server: JetStream on file storage, a port it picks itself.
nats-server -js -sd "$tmp/store" -a 127.0.0.1 -p -1 >"$tmp/nats.log" 2>&1 &
pids+=($!)
url=
for _ in $(seq 100); do
	url=$(sed -n 's/.*Listening for client connections on \([0-9.:]*\).*/nats:\/\/\1/p' "$tmp/nats.log" | head -1)
	[ -n "$url" ] && break
	sleep 0.1
done
[ -n "$url" ] || { echo "bench-fleet: nats-server did not start:"; cat "$tmp/nats.log"; exit 1; }
echo "fleet: $(nats-server --version) at $url, $(nproc) CPUs"
fail=0

# 1. publish at full speed: the recorded events, repeated up to EVENTS.
"$BIN" replay testdata/recordings/*.qmp -o json >"$tmp/seed.json" 2>/dev/null
cp "$tmp/seed.json" "$tmp/grow.json"
while [ "$(wc -l <"$tmp/grow.json")" -lt "$EVENTS" ]; do
	cat "$tmp/grow.json" "$tmp/grow.json" >"$tmp/grow2.json" && mv "$tmp/grow2.json" "$tmp/grow.json"
done
head -n "$EVENTS" "$tmp/grow.json" | sed -E 's/,"vm":"[^"]*"}$/}/' >"$tmp/log.json" && rm "$tmp/grow.json"
# --retime: the events get distinct timestamps, hence distinct message ids
# (the same event twice within two minutes is a duplicate for the stream).
"$BIN" simulate "$tmp/pub.qmp" "$tmp/log.json" --speed 0 --retime --once --name vm1 2>"$tmp/sim.err" &
pids+=($!)
for _ in $(seq 200); do grep -q simulating "$tmp/sim.err" 2>/dev/null && break; sleep 0.1; done
start=$(date +%s.%N)
"$BIN" watch "$tmp/pub.qmp" --publish "$url" --host-label bench -o json >/dev/null 2>"$tmp/pub.err"
end=$(date +%s.%N)
if grep -q "lost\|dropped" "$tmp/pub.err"; then echo "publish: events lost:"; cat "$tmp/pub.err"; fail=1; fi
rate=$(awk -v n="$EVENTS" -v s="$start" -v e="$end" 'BEGIN {printf "%d", n / (e - s)}')
ok=$([ "$rate" -ge 50000 ] && echo ok || echo MISSED)
[ "$ok" = ok ] || fail=1
echo "publish: watch SOCK --publish: $EVENTS events acknowledged, $rate events/s (target >= 50000) $ok"

# 2. consume them back.
start=$(date +%s.%N)
"$BIN" watch "$url" --host bench --since 1h -o json --count "$EVENTS" >"$tmp/read.json" 2>"$tmp/read.err" || { echo "consume failed:"; cat "$tmp/read.err"; fail=1; }
end=$(date +%s.%N)
rate=$(awk -v n="$EVENTS" -v s="$start" -v e="$end" 'BEGIN {printf "%d", n / (e - s)}')
strip() { jq -c 'del(.timestamp, .vm, .host)' "$1"; }
if cmp -s <(strip "$tmp/read.json") <(strip "$tmp/log.json"); then order="all arrived, in order, intact"; else order="MISMATCH"; fail=1; fi
echo "consume: watch nats:// --since 1h -o json: $rate events/s; $order"

# 3. latency at 1,000 events/s.
awk -v n="$RATE_EVENTS" 'BEGIN { for (i = 0; i < n; i++) {
	us = i * 1000; printf "{\"timestamp\": {\"seconds\": %d, \"microseconds\": %d}, \"event\": \"%s\"}\n", 1700000000 + int(us / 1000000), us % 1000000, (i % 2 ? "RESUME" : "STOP") } }' >"$tmp/paced.json"
mkfifo "$tmp/lat.fifo"
"$BIN" watch "$url" --host lat -o json >"$tmp/lat.fifo" 2>"$tmp/lat.err" &
pids+=($!)
"$tmp/fleetlat" -n "$RATE_EVENTS" -skip 100 <"$tmp/lat.fifo" >"$tmp/lat.out" &
lat_pid=$!
for _ in $(seq 200); do grep -q "reading stream" "$tmp/lat.err" 2>/dev/null && break; sleep 0.1; done
"$BIN" simulate "$tmp/lat.qmp" "$tmp/paced.json" --retime --once --name vm1 2>"$tmp/sim2.err" &
pids+=($!)
for _ in $(seq 200); do grep -q simulating "$tmp/sim2.err" 2>/dev/null && break; sleep 0.1; done
"$BIN" watch "$tmp/lat.qmp" --publish "$url" --host-label lat -o json >/dev/null 2>"$tmp/pub2.err"
wait "$lat_pid" || true
read -r n lrate p50 p99 max <"$tmp/lat.out" || { echo "latency: no result"; cat "$tmp/lat.err"; exit 1; }
ok=$(awk -v p="$p99" 'BEGIN {print (p < 50) ? "ok" : "MISSED"}')
[ "$ok" = ok ] || fail=1
echo "latency: $n events at $lrate events/s, QEMU timestamp to reader's stdout: p50 ${p50} ms, p99 ${p99} ms (target < 50 ms), max ${max} ms $ok"
exit $fail
