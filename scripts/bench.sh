#!/usr/bin/env bash
# bench.sh: qmpwatch against jq (Debian's jq 1.6) on the same work, as issue 6
# asks. Run it through `make bench`, which builds bin/qmpwatch first.
#
#   scripts/bench.sh [BINARY]      RUNS=3 EVENTS=1000000 scripts/bench.sh
#
# It builds a log of EVENTS events in a temporary folder from the events
# recorded from a real QEMU (testdata/recordings/*.qmp, in qmpwatch json
# form), then for each case runs qmpwatch and jq alternately, RUNS times each,
# and prints the medians, their ratio against the target and qmpwatch's peak
# memory (GNU time's "maximum resident set size"). In cases 1-4 the two
# outputs must be the same JSON values. It needs jq and /usr/bin/time (Debian
# packages jq and time), and about 1 GB of temporary space.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${1:-bin/qmpwatch}")
RUNS=${RUNS:-3}
EVENTS=${EVENTS:-1000000}
for tool in jq /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is needed (apt-get install jq time)" >&2; exit 1; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/qmpwatch-bench.XXXXXX")
sim_pid=
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GB"
echo "versions: $("$BIN" version), $(jq --version)"

# The log: every event of the real-QEMU recordings, repeated up to EVENTS.
"$BIN" replay testdata/recordings/*.qmp -o json >"$tmp/seed.json" 2>/dev/null
cp "$tmp/seed.json" "$tmp/grow.json"
while [ "$(wc -l <"$tmp/grow.json")" -lt "$EVENTS" ]; do
	cat "$tmp/grow.json" "$tmp/grow.json" >"$tmp/grow2.json" && mv "$tmp/grow2.json" "$tmp/grow.json"
done
head -n "$EVENTS" "$tmp/grow.json" >"$tmp/log.json" && rm "$tmp/grow.json"
LOG=$tmp/log.json
echo "log: $(wc -l <"$LOG") events, $(($(stat -c %s "$LOG") / 1000000)) MB, a mix of $(wc -l <"$tmp/seed.json") recorded events"
echo

# timed OUT CMD...: runs CMD with stdout to OUT; prints "SECONDS KB".
timed() {
	local out=$1; shift
	/usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >"$out" 2>"$tmp/stderr" || { echo "FAILED"; return 0; }
	cat "$tmp/time"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# same A B: the two files hold the same JSON values, line by line.
same() {
	cmp -s "$1" "$2" && return 0
	jq -c -S . "$1" >"$1.s" && jq -c -S . "$2" >"$2.s" && cmp -s "$1.s" "$2.s"
}

printf '%-52s %9s %9s %8s %7s %8s  %s\n' case qmpwatch jq ratio target peakRSS output
fail=0
# bench NAME TARGET COMPARE QMPWATCH-ARGS -- JQ-ARGS
bench() {
	local name=$1 target=$2 compare=$3; shift 3
	local qargs=() jargs=()
	while [ "$1" != "--" ]; do qargs+=("$1"); shift; done
	shift; jargs=("$@")
	local qt=() jt=() mem=0 r
	for ((i = 0; i < RUNS; i++)); do
		r=$(timed "$tmp/q.out" "$BIN" replay "$LOG" "${qargs[@]}")
		if [ "$r" = FAILED ]; then
			printf '%-52s %s\n' "$name" "qmpwatch failed: $(head -c 200 "$tmp/stderr")"
			fail=1
			return
		fi
		qt+=("${r% *}"); [ "${r#* }" -gt "$mem" ] && mem=${r#* }
		r=$(timed "$tmp/j.out" jq "${jargs[@]}" "$LOG")
		jt+=("${r% *}")
	done
	local qm jm ratio ok check=-
	qm=$(printf '%s\n' "${qt[@]}" | median)
	jm=$(printf '%s\n' "${jt[@]}" | median)
	ratio=$(awk -v q="$qm" -v j="$jm" 'BEGIN {printf "%.1f", (q > 0 ? j / q : 999)}')
	ok=$(awk -v r="$ratio" -v t="$target" 'BEGIN {print (r >= t) ? "ok" : "MISSED"}')
	if [ "$compare" = yes ]; then
		if same "$tmp/q.out" "$tmp/j.out"; then check="same ($(wc -l <"$tmp/q.out") lines)"; else check="DIFFERENT"; fail=1; fi
	fi
	[ "$ok" = ok ] || fail=1
	printf '%-52s %8ss %8ss %7sx %6sx %6sMB  %s %s\n' "$name" "$qm" "$jm" "$ratio" "$target" "$((mem / 1024))" "$check" "$ok"
}

bench "1 replay -e 'BLOCK_JOB_*' -o json" 10 yes -e 'BLOCK_JOB_*' -o json -- -c 'select(.event|test("^BLOCK_JOB_"))'
bench "2 replay -w client.channel-type==1 -o json" 10 yes -w client.channel-type==1 -o json -- -c 'select(.data.client."channel-type"==1)'
bench "3 replay -f '.data.client.\"channel-type\"==1'" 2 yes -f '.data.client."channel-type"==1' -o json -- -c 'select(.data.client."channel-type"==1)'
bench "4 replay -o json  (jq -c .)" 5 yes -o json -- -c .
bench "5 replay -o pretty --color never  (jq -c .)" 2 no -o pretty --color never -- -c .

# Streaming: peak memory on a log ten times larger, fed through a pipe.
echo
mem10=$( { for _ in 1 2 3 4 5 6 7 8 9 10; do cat "$LOG"; done; } |
	/usr/bin/time -f '%M' -o "$tmp/time" "$BIN" replay -o json >/dev/null 2>&1; cat "$tmp/time")
echo "peak memory, replay -o json of $((EVENTS * 10)) events from stdin: $((mem10 / 1024)) MB (target <= 32 MB)"
[ "$((mem10 / 1024))" -le 32 ] || fail=1

# Live: simulate --speed 0 → watch -o json → file.
sock=$tmp/sim.qmp
"$BIN" simulate "$sock" "$LOG" --speed 0 --once 2>"$tmp/sim.err" &
sim_pid=$!
for _ in $(seq 200); do grep -q simulating "$tmp/sim.err" 2>/dev/null && break; sleep 0.1; done
start=$(date +%s.%N)
"$BIN" watch "$sock" -o json >"$tmp/live.json" 2>"$tmp/watch.err"
end=$(date +%s.%N)
wait "$sim_pid" || true
sim_pid=
n=$(wc -l <"$tmp/live.json")
rate=$(awk -v n="$n" -v s="$start" -v e="$end" 'BEGIN {printf "%d", n / (e - s)}')
# In order and intact: the same events as the log, apart from the vm label.
strip() { sed -E 's/,"vm":"[^"]*"}$/}/' "$1"; }
if cmp -s <(strip "$tmp/live.json") <(strip "$LOG"); then order="all $n arrived, in order"; else order="MISMATCH ($n of $EVENTS lines)"; fail=1; fi
echo "live: simulate --speed 0 | watch -o json > file: $rate events/s (target >= 200000); $order"
[ "$rate" -ge 200000 ] || fail=1
exit $fail
