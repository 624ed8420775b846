#!/usr/bin/env bash
# Overhead of River's HTTP capture on nginx: wrk throughput without and with the BPF program loaded.
# Runs nginx from a temp prefix on a free loopback port, measures `wrk -t2 -c32 -d10s` twice, and prints
# req/s of both runs, their ratio, and events received against requests served.
# Needs root, nginx, wrk, curl, clang-14, bpftool, libbpf-dev, the .NET SDK.
# Usage: bench/scripts/ebpf-overhead.sh [duration_seconds] [nginx_workers] [wakeup_bytes] [rounds]
# With several rounds the runs alternate (off, on, off, on, ...) so drifting machine load hits both sides, and
# the ratio of the summed throughputs is reported next to each round's ratio.
set -euo pipefail

DURATION="${1:-10}"
WORKERS="${2:-1}"
WAKEUP="${3:-0}"
ROUNDS="${4:-1}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HOST_PROJECT="$ROOT/bench/scripts/ebpf-capture-host/EbpfCaptureHost.csproj"
HOST_DLL="$ROOT/bench/scripts/ebpf-capture-host/bin/Release/net10.0/EbpfCaptureHost.dll"

source "$(dirname "$0")/bench-nginx.sh"
prepare_bench_host ebpf-bench "$HOST_PROJECT"
start_bench_nginx "$WORK" "$WORKERS"

run_wrk() { # prints "req_per_sec total_requests"
    wrk -t2 -c32 -d"${DURATION}s" "http://127.0.0.1:$PORT/" | awk '
        / requests in / { total = $1 }
        /^Requests\/sec:/ { rps = $2 }
        END { print rps, total }'
}

wrk -t2 -c32 -d2s "http://127.0.0.1:$PORT/" >/dev/null # warm-up
SUM_BASE=0; SUM_CAP=0; SUM_TOTAL=0; SUM_EVENTS=0; SUM_LOST=0
echo "nginx workers: $WORKERS (pids $PIDS), wrk -t2 -c32 -d${DURATION}s, wakeup_bytes=$WAKEUP, rounds=$ROUNDS"
for round in $(seq "$ROUNDS"); do
    read -r BASE_RPS BASE_TOTAL < <(run_wrk)

    : > "$WORK/host.out"
    dotnet "$HOST_DLL" "$PIDS" "$WAKEUP" > "$WORK/host.out" 2> "$WORK/host.err" &
    HOST_PID=$!
    for _ in $(seq 300); do grep -q ready "$WORK/host.out" 2>/dev/null && break; sleep 0.1; done
    grep -q ready "$WORK/host.out" || { echo "capture host failed:"; cat "$WORK/host.err"; exit 1; }
    read -r CAP_RPS CAP_TOTAL < <(run_wrk)
    sleep 0.5
    kill -TERM "$HOST_PID" # background jobs of a script ignore SIGINT
    wait "$HOST_PID" || true
    HOST_PID=""
    SUMMARY="$(grep 'events=' "$WORK/host.out")"
    EVENTS="$(sed -n 's/.*events=\([0-9]*\).*/\1/p' <<<"$SUMMARY")"
    LOST="$(sed -n 's/.*lost_ringbuf_full=\([0-9]*\).*/\1/p' <<<"$SUMMARY")"

    echo "round $round:"
    echo "  without capture:      $BASE_RPS req/s ($BASE_TOTAL requests)"
    echo "  with capture:         $CAP_RPS req/s ($CAP_TOTAL requests)"
    awk -v a="$CAP_RPS" -v b="$BASE_RPS" 'BEGIN { printf "  ratio:                %.3f\n", a / b }'
    echo "  events received:      $EVENTS of $CAP_TOTAL requests (lost to a full ring buffer: $LOST)"
    echo "  capture counters:     $SUMMARY"
    SUM_BASE="$(awk -v a="$SUM_BASE" -v b="$BASE_RPS" 'BEGIN { print a + b }')"
    SUM_CAP="$(awk -v a="$SUM_CAP" -v b="$CAP_RPS" 'BEGIN { print a + b }')"
    SUM_TOTAL=$((SUM_TOTAL + CAP_TOTAL)); SUM_EVENTS=$((SUM_EVENTS + EVENTS)); SUM_LOST=$((SUM_LOST + LOST))
done
awk -v a="$SUM_CAP" -v b="$SUM_BASE" -v n="$ROUNDS" 'BEGIN { printf "overall: without %.0f req/s, with %.0f req/s, ratio %.3f\n", b / n, a / n, a / b }'
echo "overall: events $SUM_EVENTS for $SUM_TOTAL requests served under capture, lost $SUM_LOST"
