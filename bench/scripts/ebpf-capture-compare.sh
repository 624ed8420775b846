#!/usr/bin/env bash
# Two builds of the capture program (bpf/http_capture.bpf.c), side by side against one nginx under
# `wrk -t2 -c32`: each round loads A and then B (B then A in even rounds) in bench/scripts/ebpf-capture-host
# (RIVER_CAPTURE_OBJECT) and prints the program's run time per answered request and per run, from
# kernel.bpf_stats_enabled, with the records counted and lost. The statistics add a clock read to every program run
# (≈ 650 ns per nginx request at ≈ 13 runs), the same for A and B; run time does not depend on other load the way
# req/s does, so the comparison holds on a busy machine.
# Build an older object with the command of bpf/Bpf.targets, e.g.
#   git show REV:bpf/http_capture.bpf.c > /tmp/old/http_capture.bpf.c; git show REV:bpf/http_capture.h > /tmp/old/http_capture.h
#   clang-14 -target bpf -O2 -g -D__TARGET_ARCH_x86 -Wall -Werror -I src/Components/obj/bpf -I /tmp/old \
#       -c /tmp/old/http_capture.bpf.c -o /tmp/old/old.bpf.o
# Usage: bench/scripts/ebpf-capture-compare.sh A.bpf.o B.bpf.o [seconds per run, default 4] [rounds, default 3]
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 A.bpf.o B.bpf.o [seconds] [rounds]" >&2; exit 2; }
OBJ_A="$(realpath "$1")"
OBJ_B="$(realpath "$2")"
DURATION="${3:-4}"
ROUNDS="${4:-3}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HOST_PROJECT="$ROOT/bench/scripts/ebpf-capture-host/EbpfCaptureHost.csproj"
HOST_DLL="$ROOT/bench/scripts/ebpf-capture-host/bin/Release/net10.0/EbpfCaptureHost.dll"

source "$(dirname "$0")/bench-nginx.sh"
prepare_bench_host ebpf-compare "$HOST_PROJECT" python3
start_bench_nginx "$WORK" 1

# One run of object $2 labelled $1: prints its line.
run_one() {
    local label="$1" object="$2" total summary
    : > "$WORK/host.out" # before the start: a "ready" left from the previous run must not count
    RIVER_CAPTURE_OBJECT="$object" dotnet "$HOST_DLL" "$PIDS" 200000 > "$WORK/host.out" 2> "$WORK/host.err" &
    HOST_PID=$!
    for _ in $(seq 300); do grep -q ready "$WORK/host.out" 2>/dev/null && break; sleep 0.1; done
    grep -q ready "$WORK/host.out" || { echo "capture host failed:"; cat "$WORK/host.err"; exit 1; }
    total="$(wrk -t2 -c32 -d"${DURATION}s" "http://127.0.0.1:$PORT/" | awk '/ requests in / { print $1 }')"
    sleep 0.5
    stop_host
    summary="$(grep 'events=' "$WORK/host.out")"
    awk -v label="$label" -v total="$total" -v s="$summary" 'BEGIN {
        n = split(s, kv, " ")
        for (i = 1; i <= n; i++) { split(kv[i], p, "="); f[p[1]] = p[2] }
        printf "  %s: %.0f ns per request (%.0f ns per run, %.1f runs per request); events %d for %d requests, lost %d\n",
            label, f["prog_run_ns"] / total, f["ns_per_run"], f["prog_runs"] / total, f["events"], total, f["lost_ringbuf_full"] }' \
        | tee -a "$WORK/lines"
}

wrk -t2 -c32 -d2s "http://127.0.0.1:$PORT/" >/dev/null # warm-up
echo "A = $OBJ_A"
echo "B = $OBJ_B"
echo "nginx (pids $PIDS), wrk -t2 -c32 -d${DURATION}s, rounds=$ROUNDS, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
    echo "round $round:"
    if [ $((round % 2)) = 1 ]; then run_one A "$OBJ_A"; run_one B "$OBJ_B"; else run_one B "$OBJ_B"; run_one A "$OBJ_A"; fi
done
for label in A B; do
    awk -v l="$label" '$1 == l ":" { s += $2; n++ } END { printf "mean %s: %.0f ns per request over %d runs\n", l, s / n, n }' "$WORK/lines"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
