#!/usr/bin/env bash
# What merely being attached costs, by kind of hook: nginx under `wrk -t2 -c32` alone (base) and with each floor
# variant of bench/scripts/ebpf-capture-host (a PID test and nothing else):
#   raw2  raw tracepoints sys_enter + sys_exit (the floor of ebpf-river-overhead.sh);
#   btf1  one BTF-typed raw tracepoint at sys_exit (the hook of bpf/http_capture.bpf.c);
#   tp9   nine per-syscall exit tracepoints (read, write, readv, writev, sendto, recvfrom, sendmsg, recvmsg,
#         close); a traced process's arguments loaded through bpf_task_pt_regs.
# The order rotates each round; each ratio is against its own round's base. Prints req/s ratios and nginx's CPU
# per request (the programs run in nginx's syscalls) per round, and medians.
# Usage: bench/scripts/ebpf-hook-floors.sh [duration_seconds] [rounds]
set -euo pipefail

DURATION="${1:-10}"
ROUNDS="${2:-3}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HOST_PROJECT="$ROOT/bench/scripts/ebpf-capture-host/EbpfCaptureHost.csproj"
HOST_DLL="$ROOT/bench/scripts/ebpf-capture-host/bin/Release/net10.0/EbpfCaptureHost.dll"

source "$(dirname "$0")/bench-nginx.sh"
prepare_bench_host ebpf-hook-floors "$HOST_PROJECT" python3
start_bench_nginx "$WORK" 1

# measure MODE: prints "req_per_sec nginx_us_per_request"
measure() {
    local mode="$1" t0 t1 out
    [ "$mode" = base ] || start_floor_host "$mode"
    t0="$(nginx_ticks)"
    out="$(wrk -t2 -c32 -d"${DURATION}s" "http://127.0.0.1:$PORT/" | awk '/ requests in / { t = $1 } /^Requests\/sec:/ { r = $2 } END { print r, t }')"
    t1="$(nginx_ticks)"
    [ "$mode" = base ] || stop_host
    awk -v o="$out" -v t=$((t1 - t0)) -v hz="$TICKS" 'BEGIN { split(o, a, " "); printf "%s %.2f\n", a[1], t / hz / a[2] * 1e6 }'
}

wrk -t2 -c32 -d2s "http://127.0.0.1:$PORT/" >/dev/null
MODES=(base raw2 btf1 tp9)
echo "nginx (pids $PIDS), wrk -t2 -c32 -d${DURATION}s, rounds=$ROUNDS, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
    declare -A RPS=() CPU=()
    for i in 0 1 2 3; do
        mode="${MODES[$(((round - 1 + i) % 4))]}"
        read -r RPS[$mode] CPU[$mode] < <(measure "$mode")
    done
    line="round $round: base ${RPS[base]} req/s ${CPU[base]} µs"
    for mode in raw2 btf1 tp9; do
        r="$(awk -v a="${RPS[$mode]}" -v b="${RPS[base]}" 'BEGIN { printf "%.3f", a / b }')"
        c="$(awk -v a="${CPU[$mode]}" -v b="${CPU[base]}" 'BEGIN { printf "%.3f", b / a }')"
        echo "$r" >> "$WORK/r.$mode"; echo "$c" >> "$WORK/c.$mode"
        line="$line; $mode ${RPS[$mode]} ($r) ${CPU[$mode]} µs ($c)"
    done
    echo "$line"
done
for mode in raw2 btf1 tp9; do
    echo "median $mode: req/s ratio $(median < "$WORK/r.$mode") (rounds $(paste -sd' ' "$WORK/r.$mode")); nginx CPU base/mode $(median < "$WORK/c.$mode")"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
